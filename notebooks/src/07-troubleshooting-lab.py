# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 7 · Troubleshooting lab
#
# **You will learn** to recognise each way a CLIENT_SECRET_JWT token request goes wrong — a broken assertion, a
# misused code, the wrong client authentication, a server in trouble — from the server's *real* answer, and how
# to find the cause and the fix.
#
# **You need** nothing more than notebook 5's ideas. Each case below sends a real request and reads the answer.
# Reference: [PingOne: Create a client secret JWT](https://developer.pingidentity.com/pingone-api/auth/auth-config-options/create-a-client-secret-jwt.html),
# [PingOne error codes](https://developer.pingidentity.com/pingone-api/platform/reference/error-codes.html),
# [RFC 6749 §5.2 (token errors)](https://www.rfc-editor.org/rfc/rfc6749#section-5.2).

# %% [markdown]
# ## Setup: choose the target

# %%
import time
import uuid

from cryptography.hazmat.primitives.asymmetric import rsa
from IPython.display import HTML
from pinghelpers import ClientSecretBasic, ClientSecretJWT, PrivateKeyJWT, explain
from pinghelpers.display import check_exercise, table_html
from pinghelpers.workbook import connect

target = connect()
target

# %% [markdown]
# ## Why the token endpoint says so little
# PingOne answers a bad client assertion with **401 `invalid_client`** whatever the reason — wrong secret, wrong
# `aud`, expired… — so an attacker learns nothing. Finding the cause is your job: `pinghelpers.explain` combines
# the answer with what you sent (the assertion, the client ID, the clock) and ranks the likely causes.
# Code problems are **400 `invalid_grant`**.

# %%
client = target.client()
cid, secret, ep = target.settings.client_id, target.settings.client_secret, client.endpoints
broken = dict(enforce_pingone=False)  # let the builder make assertions PingOne would refuse

# %% [markdown]
# ## 1. Broken assertions and misused codes
# Twelve cases: eight broken assertions, then the wrong authentication method and three misused codes. Each gets
# a fresh code (codes are single-use), sends **one** token request and keeps the answer:

# %%
rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # for an assertion signed the wrong way
cases = {
    "aud = the authorize endpoint": dict(auth=ClientSecretJWT(cid, secret, audience=ep.authorization_endpoint)),
    "aud = token endpoint + '/'": dict(auth=ClientSecretJWT(cid, secret, audience=ep.token_endpoint + "/")),
    "exp two hours ahead": dict(auth=ClientSecretJWT(cid, secret, lifetime=7200, **broken)),
    "expired five minutes ago": dict(auth=ClientSecretJWT(cid, secret, now=lambda: time.time() - 600, **broken)),
    "nbf ten minutes ahead": dict(auth=ClientSecretJWT(cid, secret, not_before=int(time.time()) + 600, **broken)),
    "signed with another secret": dict(auth=ClientSecretJWT(cid, "x" * 64, **broken)),
    "iss = sub = another client ID": dict(auth=ClientSecretJWT(str(uuid.uuid4()), secret)),
    "signed RS256, not HS256": dict(auth=PrivateKeyJWT(cid, rsa_key, kid="not-registered")),
}

# %%
cases |= {
    "Basic auth, app wants CLIENT_SECRET_JWT": dict(auth=ClientSecretBasic(cid, secret)),
    "the code used twice": dict(reuse=True),
    "redirect_uri differs from authorize": dict(redirect_uri="https://app.example.com/other"),
    "code_verifier does not match": dict(code_verifier="x" * 43),
}

# %%
answers = {}
for name, case in cases.items():
    code, verifier = target.fresh_code(client)
    if case.get("reuse"):
        client.exchange_code(code, code_verifier=verifier)  # the first use succeeds
    answers[name] = client.exchange_code(
        code, code_verifier=case.get("code_verifier", verifier), redirect_uri=case.get("redirect_uri"),
        auth=case.get("auth"), check=False,
    )

# %% [markdown]
# What came back, the most likely cause `explain` finds for each (it re-checks the assertion that was sent), and
# the fix:

# %%
def diagnosis(name):
    sent = getattr(cases[name].get("auth"), "last_assertion", None)
    why = explain(answers[name].error, assertion=sent and sent.token, client_id=cid,
                  audiences=ep.accepted_audiences(), secret=secret)
    return (why.causes[0].cause, why.causes[0].fix) if why.causes else (why.summary, "")

rows = [(n, a.status, a.body.get("error"), *diagnosis(n)) for n, a in answers.items()]
HTML(table_html(rows, ("case", "HTTP", "error", "most likely cause", "the fix"), code_columns=(2,)))

# %% [markdown]
# One case in full. First what came back **on the wire**, in PingOne's shape: `error` and a terse
# `error_description` — PingOne says little on purpose, and the local sandbox answers as tersely. Then, only on the
# local sandbox, its **own extra**: the diagnosis it sends in the `X-Local-Sandbox-Diagnosis` header (which rule
# broke, with what). PingOne sends no such header; live, `explain` does without it. Last, the explanation:

# %%
wrong_aud = answers["aud = token endpoint + '/'"]
print("on the wire (PingOne's shape):", {k: wrong_aud.body[k] for k in ("error", "error_description")})
if wrong_aud.error.diagnosis is not None:
    print("the local sandbox's own diagnosis header (not PingOne's):", wrong_aud.error.diagnosis.detail)
explain(wrong_aud.error, assertion=cases["aud = token endpoint + '/'"]["auth"].last_assertion.token,
        client_id=cid, audiences=ep.accepted_audiences(), secret=secret)

# %% [markdown]
# A trailing slash is enough: `aud` is compared as a string with the **full URL** of the token endpoint, the
# issuer, or the endpoint called. The checklist of notebook 5 catches it *before* sending.
#
# ## 2. The server's fault switches (local sandbox)
# Some failures you cannot cause from the client: the server's clock is off, an admin rotated the secret, the code
# expired while you waited, the server is down. The local sandbox can play each one on cue
# (`target.sandbox.faults.inject(name)` — the fault switches are the local sandbox's own; PingOne has none); live,
# you meet these failures in the wild — the answers on the wire look the same. On the local sandbox, `explain`
# also reads the fault's name from the sandbox's diagnosis header; live it ranks from the checklist and the clock.

# %%
faults = ["clock_skew", "rotated_secret", "wrong_audience", "expired_code", "unavailable"]
if not target.is_local_sandbox:
    faults = []
    print("Live PingOne has no fault switches: run this section on the local sandbox to see these answers.")
fault_rows = []
for fault in faults:
    code, verifier = target.fresh_code(client)
    target.sandbox.faults.inject(fault, endpoint="token")
    answer = client.exchange_code(code, code_verifier=verifier, check=False)
    why = explain(answer.error)
    error = answer.body.get("error") or answer.body.get("code")
    fault_rows.append((fault, answer.status, error, why.causes[0].cause, why.causes[0].fix))

# %%
HTML(table_html(fault_rows, ("fault", "HTTP", "error", "most likely cause", "the fix"), code_columns=(0, 2)))

# %% [markdown]
# **503 is not a reason to resend.** The client never retries a token request by itself: if the server did
# process it, the code is spent, and a resend would be refused (`invalid_grant`) — or, worse, look like theft.
# Start again from the authorize step.

# %% [markdown]
# ## Exercise
# The assertion in the next cell is refused: its `audience` is the one from section 1's trailing-slash case. Fix
# it so the exchange succeeds, then run the check, which sends it with a fresh code. (Which URLs does PingOne
# accept as `aud`? `ep.accepted_audiences()` lists them. `jti=True` adds a unique id to the assertion: PingOne
# ignores it, other providers require it.)

# %% tags=["student"]
my_auth = ClientSecretJWT(cid, secret, audience=ep.token_endpoint + "/", jti=True)  # ← fix the audience

# %% tags=["solution"]
my_auth = ClientSecretJWT(cid, secret, audience=ep.token_endpoint, jti=True)

# %%
code, verifier = target.fresh_code(client)
fixed = client.exchange_code(code, code_verifier=verifier, auth=my_auth, check=False)
check_exercise(
    fixed.ok,
    success=f"HTTP {fixed.status}: aud is now a URL PingOne accepts, character for character.",
    hint=f"HTTP {fixed.status} {fixed.body.get('error')}: use one of ep.accepted_audiences(), character for character.",
)

# %% [markdown]
# ## Recap
# * `401 invalid_client`: the client assertion (secret, `aud`, `exp`/`nbf`, `iss`/`sub`, `alg`) or the wrong
#   authentication method. `400 invalid_grant`: the code (used, expired, `redirect_uri`, PKCE).
# * The server says little on purpose: check the assertion yourself (`check_assertion`), then `explain()`.
# * Never resend a token request automatically; get a new code.
#
# Next: [8 · Compare client authentication methods](08-compare-client-authentication-methods.ipynb).

# %%
client.close()
