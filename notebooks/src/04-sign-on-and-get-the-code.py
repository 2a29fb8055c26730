# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4 · Sign on and get the code
#
# **You will learn** how the user signs on through PingOne's **flows API** (`usernamePassword.check`), how
# **resume** turns a completed flow into the authorization **code**, how to accept a redirect URL pasted from a
# browser, and how a **browser sign-on** returns to a local callback.
#
# **You need** a test user's username and password (the local sandbox has one; live, set `PINGONE_USERNAME` and
# `PINGONE_PASSWORD` or type them into the form). Reference: [PingOne: Flows](https://developer.pingidentity.com/pingone-api/auth/flows.html),
# [Resume](https://developer.pingidentity.com/pingone-api/getting-started/simple-sso-workflow/step-6-call-the-resume-endpoint.html),
# [RFC 8252 §7.3 (loopback redirects)](https://www.rfc-editor.org/rfc/rfc8252#section-7.3).

# %% [markdown]
# ## Setup: choose the target

# %%
import webbrowser
from urllib.parse import parse_qs, urlsplit

from IPython.display import HTML
from pinghelpers import SignOnError, code_from
from pinghelpers.browser import browser_sign_on
from pinghelpers.display import check_exercise, flow_html, redirect_form, sign_on_form
from pinghelpers.workbook import connect, scripted_browser

target = connect()
client = target.client()
target

# %% [markdown]
# Sections 1–4 use PingOne's **flows API** and, to run without typing, a test user (`PINGONE_USERNAME`,
# `PINGONE_PASSWORD`; the local sandbox has one):

# %%
headless = target.needs("test user", "sign on through the flows API without a browser (usernamePassword.check)")
headless

# %% [markdown]
# ## 1. Start a flow
# The authorize request of notebook 3 starts a flow that waits for a username and password:

# %%
auth_request = client.authorization_request()
flow = client.start_authorization(auth_request) if target.is_pingone else None
HTML(flow_html(flow.data)) if flow else None

# %% [markdown]
# ## 2. Post the credentials to the flow
# `POST {authPath}/{envID}/flows/{flowID}` with the media type
# `application/vnd.pingidentity.usernamePassword.check+json` and a JSON body `{"username", "password"}`. On success
# the flow becomes `COMPLETED` and PingOne sets the session cookie **`ST`**. The password field starts empty: the
# form uses the test user's password from your settings (or the local sandbox's) until you type another one —
# what you type is taken out of the field when the form uses it, so it never stays on the page or in the file.

# %%
form = sign_on_form(client, flow) if flow else None
form

# %% [markdown]
# The next cell presses **Sign on** for you (when a test user is set) and shows the flow afterwards:

# %%
if headless:
    form.button.click()
HTML(flow_html(form.flow.data)) if form else None

# %%
print("session cookie ST set:", "ST" in client.session.cookies)

# %% [markdown]
# ## 3. Resume: the flow becomes a code
# `GET {issuer}/resume?flowId=…` with the `ST` cookie. PingOne answers **302** to the `redirect_uri`, carrying the
# `code` and the `state` we sent. We accept the code only if the state matches (RFC 6749 §10.12). (Without a
# completed flow — no test user, or a provider that is not PingOne — the code comes from a browser sign-on.)

# %%
if form and form.flow.status == "COMPLETED":
    result = client.resume(form.flow, expected_state=auth_request.state)
else:
    result = target.sign_on(client, auth_request)
print("redirected to:", (result.redirect_url or "").split("?")[0])
print("code:", len(result.code), "characters | state matches:", result.state == auth_request.state)

# %% [markdown]
# The code is single-use and short-lived (the local sandbox: 60 s) — notebook 5 exchanges one straight away.
#
# ## 4. A wrong password
# PingOne answers `400` with a detail on the `password` field; the flow stays `USERNAME_PASSWORD_REQUIRED`, so the
# user can try again. (Live, failed attempts count towards the password policy's lockout — one is fine.)

# %%
if target.is_pingone:
    second = client.start_authorization(client.authorization_request(prompt="login"))
    try:
        client.check_username_password(second, target.settings.username or "someone", "not-the-password")
    except SignOnError as error:
        print(error)
    print("flow status now:", client.get_flow(second.id).status)

# %% [markdown]
# ## 5. A redirect URL pasted from the browser
# When a person signs on in a browser, PingOne redirects it to the app's `redirect_uri`. If nothing listens there
# (e.g. `https://app.example.com/callback`), copy the URL from the address bar and paste it here. The code is read
# from it, and refused if its `state` is not the one this notebook sent.

# %%
paste = redirect_form(expected_state=auth_request.state)
paste

# %% [markdown]
# The next cell pastes the URL from section 3 into the field and presses **Read the code**:

# %%
paste.url.value = result.redirect_url or ""
paste.button.click()
print("code read from the URL:", paste.code == result.code)

# %% [markdown]
# The same URL with a forged `state` is refused:

# %%
paste.url.value = (result.redirect_url or "").replace(f"state={auth_request.state}", "state=forged")
paste.button.click()
HTML(paste.status.value)

# %% [markdown]
# ## 6. Browser sign-on with a local callback
# For live environments with MFA or a custom sign-on page, let a real browser do the sign-on. The app registers a
# **loopback** redirect URI (`http://127.0.0.1:8765/callback`, RFC 8252 §7.3); `browser_sign_on` listens there
# for exactly one redirect, opens the authorize URL in your browser and returns the code.
#
# Live: add `http://127.0.0.1:8765/callback` to the application's *Redirect URIs* in PingOne first (or use a
# loopback `PINGONE_REDIRECT_URI`). On the local sandbox a free port is registered for you, and a scripted browser
# fills its sign-on page over real HTTP.

# %%
callback = target.loopback_redirect_uri()  # live: your loopback PINGONE_REDIRECT_URI, or http://127.0.0.1:8765/callback
if target.is_local_sandbox:
    opener = scripted_browser(target.settings.username, target.settings.password)
elif target.settings.redirect_uri == callback:
    opener = webbrowser.open  # your browser: sign on there within two minutes
else:
    opener = None
    print(f"Register {callback} on the app, set PINGONE_REDIRECT_URI to it, restart, run this again.")

# %%
if opener is not None:
    browser_request = client.authorization_request(redirect_uri=callback, prompt="login")
    browser_result = browser_sign_on(client, browser_request, open_browser=opener)
    print("code received on", callback, "→", len(browser_result.code), "characters")

# %% [markdown]
# ## Exercise
# Without `code_from`, take the code out of this redirect URL with `urllib.parse` (`urlsplit`, `parse_qs`), and
# run the check.

# %%
url = "https://app.example.com/callback?code=005defa3-2b5d-49ca-b176-40d4503d2a62&state=af0ifjsldkj"

# %% tags=["student"]
my_code = None  # ← the code, taken out of url

# %% tags=["solution"]
my_code = parse_qs(urlsplit(url).query)["code"][0]

# %%
check_exercise(
    my_code == code_from(url, expected_state="af0ifjsldkj"),
    success="the code is the code= query parameter; the state is checked before it is used.",
    hint="urlsplit(url).query gives the query string; parse_qs turns it into lists of values.",
)

# %% [markdown]
# ## Recap
# * Authorize starts a **flow**; `usernamePassword.check` completes it and sets the `ST` session cookie.
# * **Resume** redirects to `redirect_uri?code=…&state=…`; check the state before using the code.
# * A code arrives three ways: headless (flows API), a pasted redirect URL, or a browser with a loopback callback.
#
# Next: [5 · Exchange the code for tokens](05-exchange-code-for-token.ipynb).

# %%
client.close()
