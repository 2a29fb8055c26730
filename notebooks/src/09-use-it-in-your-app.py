# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 9 · Use it in your app
#
# **You will learn** how the flow of notebooks 3–6 becomes the sign-in of a web application: three handlers —
# **login**, **callback**, and a **protected route** — in a small Flask app, `examples/flask_app/app.py`. Here the
# app runs inside this notebook (Flask's test client plays the browser's part); `make test` also drives it in a
# real headless browser.
#
# **You need** notebooks 3–6's ideas. The short version is the README's recipe
# ([Use it in your app](../README.md#use-it-in-your-app)); the long one is [docs/web-app.md](../docs/web-app.md).
# References: [RFC 6749 §10.12](https://www.rfc-editor.org/rfc/rfc6749#section-10.12) (state, CSRF),
# [RFC 9207](https://www.rfc-editor.org/rfc/rfc9207) (`iss` in the redirect),
# [OIDC Core §3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation) (ID-token checks),
# [PingOne: signoff](https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/signoff.html).

# %% [markdown]
# ## Setup: choose the target

# %%
import html, importlib.util, json, re, time  # noqa: E401 - one line for the setup cell
from pathlib import Path
from urllib.parse import urlsplit

import pinghelpers
from pinghelpers import AuthorizationRequest
from pinghelpers.display import check_exercise
from pinghelpers.workbook import connect

target = connect()
target

# %% [markdown]
# The example lives next to the workbook. We load it and create the app with the target's settings (a real app
# calls `Settings.from_env(required=True)`, which names any missing `PINGONE_*` setting).

# %%
APP_FILE = Path(pinghelpers.__file__).resolve().parents[1] / "examples" / "flask_app" / "app.py"
spec = importlib.util.spec_from_file_location("flask_example", APP_FILE)
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)
clock_offset = [0.0]  # section 4 moves the app's clock an hour ahead
app = example.create_app(target.settings, clock=lambda: time.time() + clock_offset[0])
browser = app.test_client()  # plays the user's browser: keeps the session cookie, follows nothing by itself
store = app.extensions["pinghelpers"]["store"]

# %% [markdown]
# The handlers below are printed from `app.py` itself, so what you read is what runs:

# %%
SOURCE = APP_FILE.read_text()


def handler(title):
    """The lines of app.py under one of its '# -- N. …' headings."""
    block = SOURCE.split(f"# -- {title}", 1)[1].split("# -- ", 1)[0]
    print(f"# -- {title}" + block.rstrip())


# %% [markdown]
# ## 1. `/login`: the authorization request, kept in the session
# The app builds the same request as notebook 3 — `state`, `nonce`, PKCE S256 — and must remember it until the
# browser comes back, maybe to another worker process. `to_dict()` is what goes into the session: JSON, no secret.

# %%
handler("1. login")

# %%
answer = browser.get("/login")
print("HTTP", answer.status_code, "→ the browser goes to", urlsplit(answer.location).path)
with browser.session_transaction() as session:
    stored = session["auth_request"]
print("the session holds:", sorted(stored))
print("client secret in the session:", target.settings.client_secret.reveal() in json.dumps(stored))

# %% [markdown]
# ## The user signs on
# In a real app the user's browser signs on at PingOne's page. Here the target does it for the very request the
# app stored (headless on the local sandbox or with `PINGONE_USERNAME`; otherwise your browser opens), and we get
# the redirect PingOne sends the browser back with.

# %%
pending = AuthorizationRequest.from_dict(stored)
result = target.sign_on(target.client(), pending)
if result.redirect_url:
    callback_query = urlsplit(result.redirect_url).query
else:  # a pasted bare code: rebuild the redirect's query
    callback_query = f"code={result.code}&state={result.state}"
print("redirect back with:", sorted(k for k, _ in (p.split("=", 1) for p in callback_query.split("&"))))

# %% [markdown]
# ## 2. `/callback`: check the redirect, redeem the code, validate the ID token
# `parse_callback` refuses a redirect whose `state` differs (CSRF, RFC 6749 §10.12), an `iss` from another issuer
# (RFC 9207), an `error`, or a bare code. `exchange_code(result)` sends the code with a fresh client assertion and
# the PKCE verifier (notebook 5) and then **validates the ID token** (notebook 6: JWKS signature, `iss`, `aud`,
# `exp`, `nonce`, `at_hash`) — it raises `TokenValidationError` if any check fails.

# %%
handler("2. callback")

# %%
answer = browser.get(f"/callback?{callback_query}")
print("HTTP", answer.status_code, "→", answer.location)
(session_id,) = list(store.saved)
print("tokens kept server-side:", sorted(k for k, v in store.saved[session_id].items() if v))
with browser.session_transaction() as session:
    print("the browser's session holds only:", sorted(session))

# %% [markdown]
# A forged callback — the right code with another `state` — is refused with the rule and the fix:

# %%
browser.get("/login")  # a new sign-on starts …
forged = browser.get("/callback?code=stolen&state=attacker")  # … and an attacker's link arrives instead
message = re.search(r"id='error'>(.*?)</p>", forged.get_data(as_text=True)).group(1)
print("HTTP", forged.status_code, "—", html.unescape(message))

# %% [markdown]
# ## 3. A protected route: a Bearer token that refreshes itself
# `OAuth2Auth` puts `Authorization: Bearer …` on the app's API calls. Before a call, if the access token expires
# within a minute, it refreshes it (under a lock: one refresh for all threads), keeps PingOne's **rotated** refresh
# token, and calls `on_update` so the app can save it.

# %%
handler("3. a protected route")

# %%
answer = browser.get("/api/me")
me = answer.get_json(silent=True) or {}
if "userinfo" in me:
    print("userinfo claims:", sorted(me["userinfo"]))
    print("refreshes so far:", me["refreshes"])
else:
    print("HTTP", answer.status_code, "— no profile: the route needs a signed-in session and the provider's userinfo")

# %% [markdown]
# ## 4. An hour later
# We move the app's clock past the access token's `expires_at`. The same route still answers: the token was
# refreshed first. (This needs the application's **Refresh Token** grant; PingOne returns a refresh token only then.)

# %%
if "userinfo" in me and store.saved[session_id].get("refresh_token"):
    clock_offset[0] = 3700
    me = browser.get("/api/me").get_json()
    minutes = round((me["expires_at"] - time.time() - clock_offset[0]) / 60)
    print("refreshes now:", me["refreshes"], "— the new access token expires in about", minutes, "minutes")
else:
    print("no refresh token: enable the Refresh Token grant on the application to see the refresh")

# %% [markdown]
# ## 5. `/logout`
# The app forgets the tokens and sends the browser to PingOne's `/as/signoff` with the ID token as hint, which ends
# the PingOne session and returns to a sign-off URL registered on the application.

# %%
answer = browser.get("/logout")
print("HTTP", answer.status_code, "→", urlsplit(answer.location).path, "— tokens left in the store:", len(store.saved))

# %% [markdown]
# ## Exercise
# A mix-up attack sends your callback a code from *another* issuer. PingOne does not put `iss` in its redirect,
# but when a redirect carries one, `parse_callback` compares it with the issuer (RFC 9207 §2.4). Set `forged_iss`
# to any issuer URL that is not yours and run the check: the callback must refuse it.

# %% tags=["student"]
forged_iss = ""  # ← an issuer URL that is not yours

# %% tags=["solution"]
forged_iss = "https://auth.example.com/another-environment/as"

# %%
refused = False
if forged_iss:  # the right state, from the session /login just started: only iss is wrong
    browser.get("/login")
    with browser.session_transaction() as session:
        state = session["auth_request"]["state"]
    answer = browser.get("/callback", query_string={"code": "any", "state": state, "iss": forged_iss})
    refused = answer.status_code == 400 and "RFC 9207" in answer.get_data(as_text=True)
check_exercise(
    refused,
    success="the callback refused a redirect from another issuer before redeeming anything.",
    hint="set forged_iss to an issuer URL that is not the target's (client.endpoints.issuer), then run this again.",
)

# %% [markdown]
# ## Recap
# * `/login`: `client.authorization_request()` → `session[...] = request.to_dict()` → redirect.
# * `/callback`: `parse_callback(request.url, expected=…, issuer=…)` → `client.exchange_code(result)` — the ID token
#   is validated there; tokens stay server-side.
# * API calls: `OAuth2Auth(client, tokens, on_update=save)` refreshes before expiry and keeps the rotated token.
# * One `PingOneClient` serves every request thread (its contract is in the README and docs/web-app.md).
#
# Back to the start: [0 · The workbook](00-index.ipynb).

# %% tags=["nbval-ignore-output"]
app.extensions["pinghelpers"]["client"].close()
