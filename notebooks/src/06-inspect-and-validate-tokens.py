# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 6 · Inspect and validate tokens
#
# **You will learn** how to trust what the token endpoint gave you: verify signatures with PingOne's **JWKS**,
# check an **ID token** claim by claim (`iss`, `aud`, `exp`, `nonce`, `at_hash`), read the times against the
# server's clock, and use the access and refresh tokens: **userinfo**, **introspection**, **refresh**, **revocation**.
#
# **You need** the tokens of notebook 5 (this notebook gets fresh ones from the target). Reference:
# [PingOne: token claims](https://developer.pingidentity.com/pingone-api/foundations/authentication-concepts/access-tokens-and-id-tokens/token-claims.html),
# [OIDC Core §3.1.3.7 (ID token validation)](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation),
# [RFC 7662 (introspection)](https://www.rfc-editor.org/rfc/rfc7662), [RFC 7009 (revocation)](https://www.rfc-editor.org/rfc/rfc7009).

# %% [markdown]
# ## Setup: choose the target

# %%
import base64
import hashlib
import json
from email.utils import parsedate_to_datetime

from IPython.display import HTML
from pinghelpers import TokenValidationError, validate_id_token, verify_with_jwks
from pinghelpers.display import check_exercise, table_html, timeline_html
from pinghelpers.workbook import connect

target = connect()
target

# %% [markdown]
# ## 0. Tokens to inspect
# Authorize → sign on → exchange, as in notebooks 3–5:

# %%
client = target.client()
auth_request = client.authorization_request()
tokens = client.exchange_code(
    target.sign_on(client, auth_request).code, code_verifier=auth_request.code_verifier
)
print("HTTP", tokens.status, "→", ", ".join(sorted(tokens.body)))

# %% [markdown]
# ## 1. The signing keys: JWKS
# PingOne signs its tokens RS256 with a private key and publishes the public keys at `{issuer}/jwks`
# ([PingOne: Read JWKS](https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/read-jwks.html)).
# A token's header names its key with `kid`:

# %%
jwks = client.session.get(client.endpoints.jwks_uri, timeout=10).json()
def key_size(jwk):  # RSA: n is the modulus, base64url without padding; EC and OKP keys name their curve
    if jwk.get("kty") == "RSA":
        return f"{len(base64.urlsafe_b64decode(jwk['n'] + '=' * (-len(jwk['n']) % 4))) * 8}-bit modulus"
    return f"curve {jwk.get('crv', '?')}"

rows = [(k.get("kid"), k.get("kty"), k.get("use"), key_size(k)) for k in jwks["keys"]]
HTML(table_html(rows, ("kid", "kty", "use", "size")))

# %% [markdown]
# PingOne's keys are RSA; other providers also publish EC keys (`kty: EC`, a curve instead of a modulus).
# Verify the access token with the key its `kid` names (PyJWT's `PyJWKClient` fetches and caches the set). PingOne's
# access tokens are JWTs; some providers issue opaque ones, which only the provider can read (section 5).

# %%
if tokens.access_token.count(".") == 2:
    access = verify_with_jwks(tokens.access_token, client.endpoints.jwks_uri, issuer=client.endpoints.issuer)
    print("kid:", access.header["kid"], "| typ:", access.header.get("typ"), "|", access.verdict)
else:
    print("an opaque access token:", len(tokens.access_token), "characters, no signature to check here")

# %% [markdown]
# ## 2. The ID token, checked claim by claim
# OIDC Core §3.1.3.7 lists what a client must check before it believes who signed on: the signature, `iss` =
# the issuer, `aud` contains our client ID, `exp` in the future, `nonce` = the one we sent, and `at_hash` ties
# the ID token to the access token issued with it.

# %%
report = validate_id_token(
    tokens.id_token, client_id=target.settings.client_id, issuer=client.endpoints.issuer,
    nonce=auth_request.nonce, access_token=tokens.access_token, jwks_uri=client.endpoints.jwks_uri,
)
report

# %% [markdown]
# Every check needs its input. Without the issuer's keys (`jwks_uri=`) the signature cannot be checked — and a
# token nobody verified could have been signed by anyone, so the report never calls it valid; it names what was
# not checked:

# %%
print(validate_id_token(tokens.id_token, client_id=target.settings.client_id, issuer=client.endpoints.issuer).verdict)

# %% [markdown]
# `at_hash`, by hand: SHA-256 of the access token's ASCII, keep the **left half**, base64url without padding
# (OIDC Core §3.1.3.6):

# %%
left_half = hashlib.sha256(tokens.access_token.encode("ascii")).digest()[:16]
at_hash = base64.urlsafe_b64encode(left_half).rstrip(b"=").decode()
print("computed at_hash matches the ID token's:", at_hash == report.claims["at_hash"])

# %% [markdown]
# ## 3. The times, against the server's clock
# `iat` (issued), `auth_time` (when the user signed on) and `exp` (expiry) are seconds since 1970 **on the
# server's clock**. Compare them with the server's `Date` header, not only with your own clock:

# %%
server_now = parsedate_to_datetime(tokens.headers["Date"]).timestamp()
HTML(timeline_html(report.claims, now=server_now, limit=None, now_label="server Date"))

# %% [markdown]
# ## 4. Userinfo
# The access token is a Bearer token for `{issuer}/userinfo`, which returns the user's claims for the scopes
# granted ([PingOne: Userinfo](https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/userinfo.html)):

# %%
if client.endpoints.userinfo_endpoint:
    print(json.dumps(client.userinfo(tokens.access_token), indent=2))
else:
    print("This provider's discovery document lists no userinfo_endpoint.")

# %% [markdown]
# ## 5. Introspection: is this token still active?
# `POST {issuer}/introspect` with the token, authenticated like the token endpoint — here with a client
# assertion whose `aud` is the introspection endpoint (PingOne accepts the endpoint called):

# %%
info = client.introspect(tokens.access_token)
print({k: info[k] for k in ("active", "token_type", "client_id", "scope") if k in info})

# %% [markdown]
# ## 6. Refresh: new tokens, and the refresh token rotates
# `grant_type=refresh_token` returns a new access token **and a new refresh token**; the old one is spent.
# What a replay of the old one does is an **application setting** in PingOne:
# `additionalRefreshTokenReplayProtectionEnabled` ("Additional Refresh Token Replay Protection", `true` by default —
# Create Application's example shows it). With it on, presenting a spent refresh token is treated as theft: refused,
# and the whole family of tokens is revoked.

# %%
if tokens.refresh_token is None:
    print("No refresh token: give the app the REFRESH_TOKEN grant type to try this (offline_access alone adds none).")
else:
    refreshed = client.refresh(tokens.refresh_token)
    print("HTTP", refreshed.status, "| new refresh token:", refreshed.refresh_token != tokens.refresh_token)
    replayed = client.refresh(tokens.refresh_token, check=False)
    print("old one again → HTTP", replayed.status, replayed.body.get("error"))
    newest = client.refresh(refreshed.refresh_token, check=False)
    print("after the replay, the newest refresh token → HTTP", newest.status, newest.body.get("error", ""))

# %% [markdown]
# ## 7. Revocation: for a custom resource's tokens
# `POST {issuer}/revoke` (RFC 7009) ends a token early, authenticated like the token endpoint. PingOne revokes only
# tokens **for a custom resource** (an API of yours, with its own audience and scopes) that carry a `sid` — a user's
# session. Tokens for PingOne's own resources (`openid profile email`, the PingOne API) and tokens without `sid`
# (`client_credentials`) cannot be revoked
# ([PingOne: Token Revocation](https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/token-revocation.html)).
# Fresh tokens for the openid resource first (section 6's replay revoked the first ones), then the attempt:

# %%
from pinghelpers import PingOneAPIError


def fresh_tokens(scope=None):  # the session from section 0 is still on: no password asked again
    request = client.authorization_request(scope=scope)
    return client.exchange_code(target.sign_on(client, request).code, code_verifier=request.code_verifier)


openid_tokens = fresh_tokens()
try:
    print("revoke an openid token → HTTP", client.revoke(openid_tokens.access_token))
except PingOneAPIError as error:
    print("revoke an openid token → HTTP", error.status)
print("active now:", client.introspect(openid_tokens.access_token)["active"])

# %% [markdown]
# PingOne's page shows no answer for such a token; the local sandbox answers 200 and leaves the token alive (its own
# choice, see the README). Now a token for a custom resource. The local sandbox has one of its own, "Workbook API"
# (scopes `workbook:read`, `workbook:write`). Live: create a custom resource in the console, grant one of its scopes
# to this app, and put that scope in `custom_scope`.

# %%
custom_scope = "workbook:read" if target.is_local_sandbox else ""  # live: your custom resource's scope

if not custom_scope:
    print("Skipped: set custom_scope to a scope of a custom resource granted to this app.")
else:
    custom = fresh_tokens(f"openid {custom_scope}")
    custom_claims = custom.decoded["access_token"].claims
    print("aud:", custom_claims["aud"], "| scope:", custom_claims.get("scope"), "| has sid:", "sid" in custom_claims)
    print("introspect → active:", client.introspect(custom.access_token)["active"])
    print("revoke → HTTP", client.revoke(custom.access_token), "| active now:", client.introspect(custom.access_token)["active"])

# %% [markdown]
# ## Exercise
# Forge an ID token: change one claim — say, put another `sub` into its payload — and keep its signature. Does
# the JWKS check still pass? The next cell takes the ID token apart for you; build `tampered` from its parts
# (`header_part`, a new payload, `signature_part`) and run the check.

# %%
header_part, payload_part, signature_part = tokens.id_token.split(".")
claims = json.loads(base64.urlsafe_b64decode(payload_part + "=" * (-len(payload_part) % 4)))
print("sub:", claims["sub"])

# %% tags=["student"]
tampered = tokens.id_token  # ← the same header and signature, with a payload whose sub you changed

# %% tags=["solution"]
forged = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "someone-else"}).encode()).rstrip(b"=").decode()
tampered = f"{header_part}.{forged}.{signature_part}"

# %%
try:
    verify_with_jwks(tampered, client.endpoints.jwks_uri, audience=target.settings.client_id)
    refused = None
except TokenValidationError as error:
    refused = error
check_exercise(
    refused is not None and refused.claim == "signature" and tampered.split(".")[2] == signature_part,
    success=f"refused: {refused}. Any change to header or payload breaks the signature.",
    hint="tampered is still the genuine token, which verifies: change its payload, keep its signature.",
)

# %% [markdown]
# ## Recap
# * Verify PingOne's tokens with the JWKS key named by `kid`; never trust a decoded-only token.
# * Check the ID token: signature, `iss`, `aud`, `exp`, `nonce`, `at_hash` (OIDC Core §3.1.3.7).
# * Times are the server's: compare with its `Date`.
# * Userinfo (Bearer), introspection (active?), refresh (rotates; a replay revokes the family), revocation —
#   only of a custom resource's tokens with a `sid`.
#
# Next: [7 · Troubleshooting lab](07-troubleshooting-lab.ipynb).

# %%
client.close()
