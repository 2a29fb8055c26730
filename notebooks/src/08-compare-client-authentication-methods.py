# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 8 · Compare client authentication methods
#
# **You will learn** how the four ways a confidential client can prove itself at PingOne's token endpoint differ:
# **what travels on the wire**, **what someone reading a log learns**, **how long a captured credential can be
# replayed**, and **what the application must be configured with**.
#
# **You need** the ideas of notebook 5. To send with every method, the lesson creates one app per method through
# the management API (the local sandbox has a worker; live needs the `PINGONE_ADMIN_*` worker of notebook 2).
# Reference: [PingOne: token endpoint authentication methods](https://docs.pingidentity.com/pingone/applications/p1_token_endpoint_authentication_methods.html),
# [RFC 6749 §2.3.1](https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1), [RFC 7523 §2.2](https://www.rfc-editor.org/rfc/rfc7523#section-2.2),
# [OIDC Core §9](https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication).

# %% [markdown]
# ## Setup: choose the target

# %%
import json

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from IPython.display import HTML
from pinghelpers import CLIENT_ASSERTION_TYPE, PingOneClient, Secret, snippet
from pinghelpers import ClientSecretBasic, ClientSecretJWT, ClientSecretPost, PrivateKeyJWT
from pinghelpers.display import check_exercise, table_html, timeline_html
from pinghelpers.workbook import connect, log_exposure

target = connect()
target

# %% [markdown]
# ## 1. What travels on the wire
# The same token request — `grant_type=authorization_code`, `code`, `redirect_uri` — authenticated four ways.
# PRIVATE_KEY_JWT needs a key pair: the app keeps the private key, PingOne gets only the public JWK.

# %%
client = target.client()
cid, secret = target.settings.client_id, target.settings.client_secret
private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key())) | {"kid": "workbook-key"}
methods = {
    "CLIENT_SECRET_BASIC": ClientSecretBasic(cid, secret),
    "CLIENT_SECRET_POST": ClientSecretPost(cid, secret),
    "CLIENT_SECRET_JWT": ClientSecretJWT(cid, secret),
    "PRIVATE_KEY_JWT": PrivateKeyJWT(cid, private_key, kid="workbook-key"),
}

# %%
form = {"grant_type": "authorization_code", "code": "<the code>", "redirect_uri": target.settings.redirect_uri}
prepared = {name: client.prepare_token_request(form, auth=auth) for name, auth in methods.items()}
for name, request in prepared.items():
    print(f"── {name} ──\n{snippet(request).http()}\n")

# %% [markdown]
# (Secrets and signatures are masked in this printout; on the wire they are not.)
#
# ## 2. What a log reader learns, and for how long it can replay it
# Suppose the full request lands in a proxy log or a debug trace. Basic's header is only base64; POST sends the
# secret as is — both hand over the **secret itself**, usable until someone rotates it. The JWT methods hand over
# an **assertion**: no secret, but PingOne does not remember `jti`, so the assertion can be replayed **until its
# `exp`** — keep the lifetime short.

# %%
exposure = {name: log_exposure(request, secret) for name, request in prepared.items()}
rows = [(n, "yes" if e["secret_in_log"] else "no", e["reusable"], e["window"]) for n, e in exposure.items()]
HTML(table_html(rows, ("method", "secret in the log", "reusable", "for how long"), code_columns=(0,)))

# %% [markdown]
# The replay window is real. A CLIENT_SECRET_JWT assertion captured from one exchange, sent again with **another**
# code within its lifetime, is accepted:

# %%
captured = ClientSecretJWT(cid, secret, lifetime=120)
code, verifier = target.fresh_code(client)
client.exchange_code(code, code_verifier=verifier, auth=captured)
stolen = captured.last_assertion.token
code, verifier = target.fresh_code(client)
replay = requests.post(client.endpoints.token_endpoint, timeout=10, data={
    "grant_type": "authorization_code", "code": code, "redirect_uri": target.settings.redirect_uri,
    "code_verifier": verifier, "client_assertion": stolen, "client_assertion_type": CLIENT_ASSERTION_TYPE,
})
print("the captured assertion, sent again with another code → HTTP", replay.status_code)

# %%
HTML(timeline_html(captured.last_assertion.claims, now_label="captured"))

# %% [markdown]
# ## 3. What the application must be configured with
#
# | `tokenEndpointAuthMethod` | the app holds | PingOne holds | on the wire | a leaked log gives |
# |---|---|---|---|---|
# | `CLIENT_SECRET_BASIC` | the secret | the secret | `Authorization: Basic base64(id:secret)` | the secret |
# | `CLIENT_SECRET_POST` | the secret | the secret | `client_id`, `client_secret` in the body | the secret |
# | `CLIENT_SECRET_JWT` | the secret (≥ 64 chars) | the secret | an HS256 assertion, `exp` ≤ 1 h | an assertion, until `exp` |
# | `PRIVATE_KEY_JWT` | the private key | the public key (`jwks` / `jwksUrl`) | an RS256 assertion with `kid` | an assertion, until `exp` |
#
# Only PRIVATE_KEY_JWT keeps PingOne from holding anything that could sign for the client.
#
# ## 4. Each method, sent for real
# One app per method, created through the management API (as in notebook 2); the PRIVATE_KEY_JWT app gets the
# public JWK. Then the whole flow with each:

# %%
admin_ready = bool(target.settings.admin_client_id and target.settings.admin_client_secret)
api, endpoints = target.management() if admin_ready else (None, None)
if not admin_ready:
    print("This section needs the PINGONE_ADMIN_* worker of notebook 2 to create the apps; skipped.")

# %%
def create_app(method):
    # PingOne creates an application disabled unless "enabled": true is sent — and a disabled one cannot sign on.
    body = {"name": f"Workbook {method}", "enabled": True, "type": "WEB_APP", "protocol": "OPENID_CONNECT",
            "grantTypes": ["AUTHORIZATION_CODE"], "redirectUris": [target.settings.redirect_uri],
            "tokenEndpointAuthMethod": method}
    if method == "PRIVATE_KEY_JWT":  # PingOne gets the public key only, and the app has no secret
        body["jwks"] = json.dumps({"keys": [public_jwk]})
    app_id = api.post(endpoints.management_url("applications"), json=body, timeout=10).json()["id"]
    if method == "PRIVATE_KEY_JWT":
        return app_id, None
    return app_id, Secret(api.get(endpoints.management_url("applications", app_id, "secret"), timeout=10).json()["secret"])

# %%
results = []
for method in methods if admin_ready else []:
    app_id, app_secret = create_app(method)
    mine = target.settings.replace(client_id=app_id, client_secret=app_secret, auth_method=method.lower())
    other = ClientSecretPost if method != "CLIENT_SECRET_POST" else ClientSecretJWT
    with PingOneClient(mine, private_key=private_key, kid="workbook-key") as app_client:
        code, verifier = target.fresh_code(app_client)
        answer = app_client.exchange_code(code, code_verifier=verifier, check=False)
        code, verifier = target.fresh_code(app_client)
        wrong = app_client.exchange_code(code, code_verifier=verifier, auth=other(app_id, app_secret or "x" * 64), check=False)
    results.append((method, answer.status, wrong.status, wrong.body.get("error_description", "").split(" (")[0]))

# %%
HTML(table_html(results, ("app's method", "its own method", "another method", "PingOne says"), code_columns=(0,)))

# %% [markdown]
# An app accepts exactly the method it is configured with: anything else is `401 invalid_client` —
# *Unsupported authentication method*.
#
# ## Exercise
# Which methods put the client secret itself into a request someone might log? Name them, then run the check.

# %%
my_answer = {"CLIENT_SECRET_BASIC", "CLIENT_SECRET_POST"}  # ← your answer

check_exercise(
    my_answer == {name for name, e in exposure.items() if e["secret_in_log"]},
    success="Basic (base64 is not encryption) and POST. The JWT methods send a short-lived signed assertion instead.",
    hint="look at the 'secret in the log' column of section 2.",
)

# %% [markdown]
# ## Recap
# * Basic and POST send the secret (base64 is an encoding, not protection); a log leak means rotating the secret.
# * CLIENT_SECRET_JWT sends an HS256 assertion: no secret on the wire, but replayable until `exp` — keep it short.
# * PRIVATE_KEY_JWT: the same, and PingOne holds only the public key.
# * The app's `tokenEndpointAuthMethod` decides which one PingOne accepts — exactly one.
#
# Back to the start: [0 · The workbook](00-index.ipynb).

# %%
# NBVAL_IGNORE_OUTPUT
client.close()
