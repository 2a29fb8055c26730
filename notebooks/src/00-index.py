# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 0 · The workbook: PingOne's authorization-code flow with CLIENT_SECRET_JWT
#
# **You will learn** what the whole flow looks like, which notebook teaches which step, and how to point every
# notebook at *your* PingOne environment — or at the local sandbox when you are offline.
#
# **You need** nothing yet: with no settings, the cells talk to the **local sandbox** (an offline stand-in for
# PingOne on this machine). To work live you need a PingOne environment (one of your PingOne *sandbox
# environments* is ideal) and an OIDC web application in it — notebook 2 can create one for you.

# %% [markdown]
# ## Setup: choose the target
# One cell picks where every request goes and says so in a banner. It reads `PINGONE_*` settings from the
# environment or a `.env` file; with none, it starts the local sandbox.

# %%
from pinghelpers.display import check_exercise
from pinghelpers.workbook import connect

target = connect()
target

# %% [markdown]
# ## The flow in one picture
# A *confidential* web application signs a user on at PingOne and gets tokens. At the token endpoint it proves
# who it is with a **client assertion** — a short JWT signed with its client secret — so the secret itself never
# travels ([PingOne: Create a client secret JWT](https://developer.pingidentity.com/pingone-api/auth/auth-config-options/create-a-client-secret-jwt.html),
# [RFC 7523](https://www.rfc-editor.org/rfc/rfc7523), [RFC 6749 §4.1](https://www.rfc-editor.org/rfc/rfc6749#section-4.1)).
#
# ```mermaid
# sequenceDiagram
#     autonumber
#     participant U as User (browser)
#     participant A as Your app (this notebook)
#     participant P as PingOne auth server
#     Note over A,P: Notebook 1 — discovery: where are the endpoints?
#     Note over A,P: Notebook 2 — (admin) create the app with tokenEndpointAuthMethod CLIENT_SECRET_JWT
#     Note over A,P: Notebook 3 — the authorization request
#     A->>P: GET /{envID}/as/authorize?response_type=code&client_id&redirect_uri&state&nonce&code_challenge
#     P-->>U: 302 to the sign-on page ?flowId=…
#     Note over U,P: Notebook 4 — sign on and get the code
#     U->>P: POST /{envID}/flows/{flowID} (usernamePassword.check)
#     P-->>U: 200 status COMPLETED + session cookie ST
#     U->>P: GET /{envID}/as/resume?flowId=…
#     P-->>A: 302 to redirect_uri?code=…&state=…
#     Note over A,P: Notebook 5 — exchange the code for tokens
#     A->>A: build the client assertion (HS256 JWT: iss = sub = client ID, aud = token endpoint, exp)
#     A->>P: POST /{envID}/as/token (code, redirect_uri, code_verifier, client_assertion, client_assertion_type)
#     P-->>A: 200 access_token, id_token, refresh_token
#     Note over A,P: Notebook 6 — inspect and validate the tokens
#     A->>P: GET /{envID}/as/jwks, /userinfo, POST /introspect, /token (refresh), /revoke
# ```
#
# Notebook 7 breaks each step on purpose and reads PingOne's answer; notebook 8 compares CLIENT_SECRET_JWT with
# the other ways a client can authenticate; notebook 9 puts the flow into a web app.

# %% [markdown]
# ## Live PingOne or the local sandbox?
# **Live is the main event.** Put your environment's values in a `.env` file next to the README (or export them),
# then restart the kernel:
#
# ```
# PINGONE_ENV_ID=<your environment ID>           # Settings → Environment Properties
# PINGONE_REGION=NA                              # NA, CA, EU, AU, SG or AP
# PINGONE_CLIENT_ID=<the app's client ID>
# PINGONE_CLIENT_SECRET=<the app's client secret>   # never printed, never saved in a notebook
# PINGONE_REDIRECT_URI=https://app.example.com/callback
# PINGONE_USERNAME=<a test user>   PINGONE_PASSWORD=<its password>   # optional, see below
# ```
#
# These are the **basic settings**: every notebook runs top to bottom with them. The test user lets the cells
# sign on without a browser (PingOne's flows API); without one, each sign-on happens in your browser (register
# `http://127.0.0.1:8765/callback` on the app and use it as `PINGONE_REDIRECT_URI`) or from a redirect URL you
# paste. Notebooks 2 and 8 also create applications through the management API: they need a **worker app**
# (`PINGONE_ADMIN_ENV_ID`, `PINGONE_ADMIN_CLIENT_ID`, `PINGONE_ADMIN_CLIENT_SECRET`) and show a box that says so
# when it is missing.
#
# With none of these set, the banner above says **LOCAL SANDBOX**: a real HTTP server on `127.0.0.1` that
# answers like PingOne (same paths, same rules, same error shapes), with a test app and user already in it.
# Nothing leaves your machine. Notebook 1 shows a form for the same settings and how to import them from Postman.

# %% [markdown]
# ## The notebooks
# Each is one short lesson; run it top to bottom (*Run → Run All Cells*). Each starts on its own — it gets
# whatever earlier steps it needs from the target. Each ends with an **exercise**: change the cell marked `←`,
# then run the check below it — it says ✘ with a hint until you have it, then ✔.
#
# | # | notebook | you learn |
# |---|---|---|
# | 1 | [Set up your environment](01-set-up-your-environment.ipynb) | region, environment ID or custom domain; the discovery document; Postman import |
# | 2 | [Create the application](02-create-the-application.ipynb) (admin, optional) | a worker token; an OIDC web app with `CLIENT_SECRET_JWT`; its secret (masked); a population, a user, a password |
# | 3 | [The authorization request](03-the-authorization-request.ipynb) | every parameter; `state`, `nonce`, PKCE; the request as curl; the 302 and the flow object |
# | 4 | [Sign on and get the code](04-sign-on-and-get-the-code.ipynb) | flows API `usernamePassword.check` → resume → code; browser sign-on; a pasted redirect URL |
# | 5 | [Exchange the code for tokens](05-exchange-code-for-token.ipynb) | the client assertion part by part; the HMAC by hand; the pre-send checklist; the request as curl / HTTP / Python |
# | 6 | [Inspect and validate tokens](06-inspect-and-validate-tokens.ipynb) | JWKS signatures; ID-token checks (`iss`, `aud`, `exp`, `nonce`, `at_hash`); userinfo, introspect, refresh, revoke |
# | 7 | [Troubleshooting lab](07-troubleshooting-lab.ipynb) | each broken assertion and code misuse: the answer on the wire (PingOne's terse shape), the local sandbox's own diagnosis (labelled), the explanation, the fix |
# | 8 | [Compare client authentication methods](08-compare-client-authentication-methods.ipynb) | basic, post, client_secret_jwt, private_key_jwt: the wire, the logs, the replay window, the setup |
# | 9 | [Use it in your app](09-use-it-in-your-app.ipynb) | a Flask app's three handlers: login, callback (state checked, ID token validated), a protected route whose token refreshes itself |

# %% [markdown]
# ## The whole flow in four lines
# Notebooks 3–5 take these lines apart. Here they simply run, against the target named in the banner:

# %%
client = target.client()
auth_request = client.authorization_request()  # state, nonce, PKCE
result = target.sign_on(client, auth_request)  # authorize → flows API → resume → code
tokens = client.exchange_code(result.code, code_verifier=auth_request.code_verifier)
print("HTTP", tokens.status, "→", ", ".join(sorted(tokens.body)))

# %% [markdown]
# ## Exercise
# The client assertion's `aud` must be the URL of PingOne's **token endpoint**. Where is it for your target?
# Read it from the discovery document — `client.discovery()` is a dictionary — and set `token_endpoint` in the
# next cell, then run the check below it.

# %% tags=["student"]
token_endpoint = None  # ← read it from client.discovery()

# %% tags=["solution"]
token_endpoint = client.discovery()["token_endpoint"]

# %%
check_exercise(
    lambda: token_endpoint == client.endpoints.token_endpoint,
    success="that is where notebook 5 sends the code and the client assertion.",
    hint="print client.discovery() and look for the key token_endpoint; on PingOne it ends with /as/token.",
)

# %% [markdown]
# ## Recap
# * The code flow has three legs: **authorize** (browser → PingOne), **sign on** (flows API → resume → code),
#   **token** (app → PingOne, authenticated with a client assertion).
# * CLIENT_SECRET_JWT: the secret signs a short-lived JWT; only the JWT travels.
# * `target = connect()` picks live PingOne (`PINGONE_*` settings) or the local sandbox, and says which.
#
# Next: [1 · Set up your environment](01-set-up-your-environment.ipynb).

# %%
client.close()
