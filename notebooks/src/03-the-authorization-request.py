# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3 · The authorization request
#
# **You will learn** every parameter of the request that starts the code flow, why `state`, `nonce` and PKCE
# are there, what the request looks like on the wire, and what PingOne answers: a **302** to its sign-on page and
# a **flow** object.
#
# **You need** an application's client ID and a registered redirect URI (the target provides both).
# Reference: [PingOne: Authorize (authorization_code)](https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/authorize-authorization_code.html),
# [RFC 6749 §4.1.1](https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1),
# [RFC 7636 (PKCE)](https://www.rfc-editor.org/rfc/rfc7636), [OIDC Core §3.1.2](https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest).

# %% [markdown]
# ## Setup: choose the target

# %%
import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import requests
from IPython.display import HTML, display
from pinghelpers import snippet
from pinghelpers.display import check_exercise, flow_html, http_response_html, params_html
from pinghelpers.workbook import connect

target = connect()
client = target.client()
target

# %% [markdown]
# ## 1. The parameters
# The app sends the user's browser to `GET {issuer}/authorize` with these query parameters:

# %%
auth_request = client.authorization_request()
HTML(params_html(auth_request.params))

# %% [markdown]
# ## 2. `state` and `nonce`: two random values the app keeps
# * **`state`** comes back on the redirect with the code. The app accepts the code only if it matches the value
#   it stored — otherwise an attacker could feed it *their* code (CSRF, RFC 6749 §10.12).
# * **`nonce`** is copied by PingOne into the ID token. The app checks it there (notebook 6), so a stolen ID token
#   cannot be replayed into another sign-on.
#
# Both are fresh random strings per request (`secrets.token_urlsafe`), never reused.

# %% [markdown]
# ## 3. PKCE, by hand
# The app invents a secret **`code_verifier`**, keeps it, and sends only its hash, the **`code_challenge`**
# (`S256`: base64url of SHA-256, no padding). At the token endpoint it sends the verifier; PingOne hashes it and
# compares. A stolen code is useless without the verifier (RFC 7636 §4.1–4.2).

# %%
digest = hashlib.sha256(auth_request.code_verifier.encode("ascii")).digest()
by_hand = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
print("verifier length:", len(auth_request.code_verifier), "characters (RFC 7636: 43–128)")
print("challenge by hand matches the one sent:", by_hand == auth_request.params["code_challenge"])

# %% [markdown]
# ## 4. The request as curl
# It is a plain GET. curl does not follow redirects unless told to (`-L`), so it shows PingOne's 302:

# %%
print(snippet(requests.Request("GET", auth_request.url).prepare()).curl())

# %% [markdown]
# ## 5. The answer: a 302 to the sign-on page
# Sent for real — without following the redirect, as Postman does with *Automatically follow redirects* off:

# %%
response = client.session.get(auth_request.url, allow_redirects=False, timeout=10)
HTML(http_response_html(response.status_code, response.headers))

# %% [markdown]
# On PingOne the `Location` carries a **`flowId`**: PingOne has started a *flow*, the sign-on steps this user must
# complete. Reading it uses PingOne's flows API:

# %%
flows = target.needs("flows API", "read the flow PingOne starts at authorize, and try response_mode=pi.flow")
flows

# %% [markdown]
# Read the flow with `GET {authPath}/{envID}/flows/{flowID}` ([PingOne: Read flow](https://developer.pingidentity.com/pingone-api/auth/flows/flows-1/read-flow.html)):

# %%
if flows:
    flow_id = parse_qs(urlsplit(response.headers["Location"]).query)["flowId"][0]
    flow = client.get_flow(flow_id)
    display(HTML(flow_html(flow.data)))

# %% [markdown]
# `USERNAME_PASSWORD_REQUIRED` with the action `usernamePassword.check`: the next step (notebook 4) posts the
# user's credentials to the flow. The whole object:

# %%
if flows:
    print(json.dumps(flow.data, indent=2))

# %% [markdown]
# ## 6. Redirect-less: `response_mode=pi.flow`
# PingOne's own response mode answers the authorize request with the flow JSON directly (HTTP 200) — handy for
# apps that draw their own sign-on screen. The rest of the flow is the same.

# %%
if flows:
    pi_flow = client.start_authorization(client.authorization_request(response_mode="pi.flow"))
    print("status:", pi_flow.status, "| resume at:", pi_flow.resume_url.split("?")[0])

# %% [markdown]
# ## 7. An unregistered `redirect_uri` is never redirected to
# If the redirect URI is not *exactly* one registered on the app, PingOne must not send the browser there (it
# could be an attacker's site, RFC 6749 §4.1.2.1). It answers with an error page instead — no redirect:

# %%
bad = client.authorization_request(redirect_uri="https://attacker.example.net/callback")
refused = client.session.get(bad.url, allow_redirects=False, timeout=10)
HTML(http_response_html(refused.status_code, refused.headers, body=refused.text[:600]))

# %% [markdown]
# ## 8. Pushed authorization requests (PAR)
# With PAR (RFC 9126) the client first POSTs the same parameters to `{issuer}/par`, authenticated like the token
# endpoint (here a CLIENT_SECRET_JWT assertion whose `aud` is the PAR endpoint), and gets back a `request_uri`.
# The browser then carries only `client_id` and `request_uri`: nothing of the request can be read or changed on the
# way. PingOne accepts a `request_uri` once, for 60 seconds by default
# ([PingOne: PAR](https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/par-intro.html)).

# %%
from urllib.parse import parse_qsl, urlsplit

if not (client.is_pingone and client.endpoints.pushed_authorization_request_endpoint):
    print("This provider advertises no PAR endpoint (or has no flows API): this section is PingOne's.")
else:
    pushed = client.push_authorization_request(client.authorization_request(response_mode="pi.flow"))
    short = dict(parse_qsl(urlsplit(pushed.url).query))
    print("the authorize URL carries only:", sorted(short), "| request_uri:", short["request_uri"][:34] + "…")
    print("status:", client.start_authorization(pushed).status)
    again = client.session.get(pushed.url, allow_redirects=False, timeout=10)
    print("the same request_uri again → HTTP", again.status_code)

# %% [markdown]
# ## Exercise
# RFC 7636 Appendix B gives a test vector: the verifier `dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk`. Compute its
# S256 code challenge yourself — section 3 shows the three steps — and run the check.

# %%
verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

# %% tags=["student"]
my_challenge = None  # ← base64url(SHA-256(verifier)), without '=' padding

# %% tags=["solution"]
my_challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()

# %%
check_exercise(
    my_challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    success="that is RFC 7636's expected challenge: base64url(SHA-256(verifier)) without '=' padding.",
    hint="hash the ASCII bytes with SHA-256, base64url-encode the digest, strip the '=' padding.",
)

# %% [markdown]
# ## Recap
# * `response_type=code`, `client_id`, an exactly-registered `redirect_uri`, `scope=openid …`.
# * `state` (checked on the redirect), `nonce` (checked in the ID token), PKCE `code_challenge` (verifier sent
#   later) — all fresh per request.
# * PingOne answers with a 302 to its sign-on page carrying a `flowId`, or with the flow JSON for `pi.flow`.
# * An unregistered `redirect_uri` gets an error page, never a redirect.
# * PAR pushes the parameters first; the browser carries only `client_id` + a single-use `request_uri`.
#
# Next: [4 · Sign on and get the code](04-sign-on-and-get-the-code.ipynb).

# %%
client.close()
