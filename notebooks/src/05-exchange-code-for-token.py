# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5 · Exchange the code for tokens with a client assertion (CLIENT_SECRET_JWT)
#
# **You will learn** how a client proves who it is at PingOne's token endpoint *without sending its secret*:
# it signs a short-lived JWT — the **client assertion** — with the client secret, and sends the JWT instead.
#
# **You need** an authorization code (this notebook gets one for you from the target, as in notebook 4), and the
# application's client ID and secret. Reference: PingOne [Create a client secret JWT](https://developer.pingidentity.com/pingone-api/auth/auth-config-options/create-a-client-secret-jwt.html),
# [RFC 7523 §2.2 and §3](https://www.rfc-editor.org/rfc/rfc7523).

# %% [markdown]
# ## Setup: choose the target
# With `PINGONE_*` settings (environment variables or a `.env` file) the cells talk to **your PingOne
# environment**. With none, they talk to the **local sandbox** — an offline stand-in for PingOne on this machine.

# %%
import base64

import jwt
from IPython.display import HTML
from pinghelpers import build_client_assertion, check_assertion, hmac_walkthrough
from pinghelpers.display import check_exercise, exchange_form, jwt_parts_html, timeline_html, token_response_html
from pinghelpers.workbook import connect

target = connect()
settings = target.settings
target

# %% [markdown]
# ## 1. Get an authorization code
# Authorize → sign on → resume are notebooks 3 and 4; here one call runs them so we can focus on the exchange.
# PKCE is on, so we keep the `code_verifier` for the token request.

# %%
client = target.client()
auth_request = client.authorization_request()
result = target.sign_on(client, auth_request)
code = result.code
print("code received:", len(code), "characters; state matches:", result.state == auth_request.state)

# %% [markdown]
# ## 2. The form
# The fields are pre-filled from the target so *Run All* works without typing; change them to experiment. The
# client secret's field starts **empty** and says where the secret comes from (your settings, or the local
# sandbox). Type a secret to try another one: the form takes it out of the field the moment it uses it, so it
# is never shown, printed, or saved with the notebook.

# %%
form = exchange_form(settings, code=code, code_verifier=auth_request.code_verifier)
form

# %% [markdown]
# ## 3. Build the client assertion, part by part
# The claims PingOne requires (rule → source):
#
# | claim | value | rule |
# |---|---|---|
# | `iss` | the client ID | RFC 7523 §3 (1) |
# | `sub` | the client ID | RFC 7523 §3 (2) |
# | `aud` | the token endpoint URL | RFC 7523 §3 (3); PingOne also accepts the issuer |
# | `exp` | now + lifetime, at most one hour | RFC 7523 §3 (4); PingOne's one-hour limit |
#
# The header is `{"typ": "JWT", "alg": "HS256"}`, as in PingOne's "Create a client secret JWT" page; the key is the
# client secret.

# %%
endpoints = client.endpoints
assertion = build_client_assertion(
    form.settings().client_id, form.settings().client_secret, endpoints.token_endpoint, lifetime=300
)
HTML(jwt_parts_html(assertion.token, mask_signature=True))

# %% [markdown]
# The three parts, coloured: <span style="color:#cf222e">header</span>.<span style="color:#8250df">payload</span>.<span style="color:#0969da">signature</span>.
# The first two are just JSON, base64url-encoded (no padding) — anyone can read them, so never put a secret in a
# claim. Decoded by hand:

# %%
for name, part in zip(("header", "payload"), assertion.parts[:2]):
    print(f"{name:8}{part}\n{'':8}→ {base64.urlsafe_b64decode(part + '=' * (-len(part) % 4)).decode()}")

# %% [markdown]
# The signature is HMAC-SHA-256 over `header.payload`, keyed with the secret — computed by hand here and
# compared with PyJWT's (the key itself is never shown):

# %%
print(hmac_walkthrough(assertion.token, form.settings().client_secret))

# %% [markdown]
# When does it expire? `exp` against the clock, with PingOne's one-hour limit:

# %%
HTML(timeline_html(assertion.claims))

# %% [markdown]
# ## 4. Check it before sending
# The same rule set the local sandbox enforces (`pinghelpers.rules`) runs here as a checklist:

# %%
checklist = check_assertion(
    assertion.token, client_id=form.settings().client_id,
    audiences=endpoints.accepted_audiences(), secret=form.settings().client_secret,
)
checklist

# %% [markdown]
# ## 5. Send the token request
# Five form fields — `grant_type`, `code`, `redirect_uri`, `client_assertion`, `client_assertion_type` — plus
# `code_verifier` for PKCE. No `Authorization` header, no secret in the body. The request is sent **once**: a
# code is single-use, so a failed exchange is never retried automatically. The next cell presses the form's
# **Exchange code** button (the form builds its own assertion from its fields) and shows the request it sent:

# %%
form.button.click()
tokens = form.result
tokens.request

# %% [markdown]
# The response from the target, with the tokens decoded below it (the refresh token — an opaque, long-lived
# credential — shows only its length):

# %%
HTML(token_response_html(tokens))

# %% [markdown]
# ## 6. A code works once
# Replay the *same* code. RFC 6749 §4.1.2: a code is used once; a second use is refused, and the tokens already
# issued from it may be revoked.

# %%
replay = client.exchange_code(code, code_verifier=auth_request.code_verifier, check=False)
print("HTTP", replay.status, replay.body.get("error"))

# %% [markdown]
# ## Exercise: break a rule on purpose
# `my_claims` below starts as a copy of the assertion's claims. Change **one** claim so that PingOne would refuse
# the assertion — push `exp` past the one-hour limit, point `aud` at another URL, or make `sub` differ from
# `iss` — and run the check: it signs your claims with the client secret and runs the checklist of section 4.

# %% tags=["student"]
my_claims = dict(assertion.claims)  # ← change one claim, e.g. my_claims["exp"] = …

# %% tags=["solution"]
my_claims = dict(assertion.claims)
my_claims["exp"] = assertion.claims["exp"] + 7200  # two hours later: past PingOne's one-hour limit

# %%
signed = jwt.encode(my_claims, settings.client_secret.reveal(), algorithm="HS256", headers={"typ": "JWT"})
verdict = check_assertion(
    signed, client_id=settings.client_id, audiences=endpoints.accepted_audiences(), secret=settings.client_secret
)
broken = [item.rule.text for item in verdict.failures]
check_exercise(
    bool(broken),
    success=f"PingOne would refuse it: {'; '.join(broken)}. Its answer would be 401 invalid_client.",
    hint="every rule still passes: change exp, aud, iss or sub in my_claims.",
)

# %% [markdown]
# ## Recap
# * The client assertion is a JWT with `iss` = `sub` = client ID, `aud` = token endpoint, `exp` ≤ 1 hour,
#   signed HS256/384/512 with the client secret.
# * The secret never travels; the signature proves the client knows it.
# * Codes are single-use: build a fresh assertion, send once, and start over on failure.
# * Check the assertion before sending: PingOne's answer to any broken rule is the same `401 invalid_client`.
#
# Next: [6 · Inspect and validate tokens](06-inspect-and-validate-tokens.ipynb).

# %%
client.close()
