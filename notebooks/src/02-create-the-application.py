# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2 · Create the application (admin, optional)
#
# **You will learn** how PingOne's management API sets up everything this workbook needs: a **worker token**, an
# OIDC **web application** whose token endpoint authentication method is **`CLIENT_SECRET_JWT`**, its **client
# secret** (read, and kept masked), and a **population**, a **user** and a **password** to sign on with.
#
# **You need** live: a *worker* application with the Environment Admin and Identity Data Admin roles, set as
# `PINGONE_ADMIN_ENV_ID`, `PINGONE_ADMIN_CLIENT_ID`, `PINGONE_ADMIN_CLIENT_SECRET`. Without one, the notebook
# still runs: it shows what it would send and skips the calls. The local sandbox has a worker seeded. Skip this
# notebook if your app already exists. Reference: [PingOne workflow: Configure
# CLIENT_SECRET_JWT](https://developer.pingidentity.com/pingone-api/workflow-library/authorization-and-authentication/configure-client-secret-jwt.html),
# [Applications](https://developer.pingidentity.com/pingone-api/platform/applications.html).

# %% [markdown]
# ## Setup: choose the target

# %%
import json
import secrets

import requests
from pinghelpers import PingOneClient, Secret
from pinghelpers.display import check_exercise
from pinghelpers.workbook import connect, write_dotenv

target = connect()
target

# %% [markdown]
# Every call below needs a worker application. Is one configured?

# %%
worker = target.needs("worker", "create a web app, a population and a user through the management API")
worker

# %% [markdown]
# ## 1. A worker token
# Management calls carry a **worker** app's access token. The worker gets it with the `client_credentials`
# grant, authenticating with HTTP Basic — the one place here where a secret travels (over TLS) instead of an
# assertion. The token goes into every later call as `Authorization: Bearer …` (never printed).

# %%
if worker:
    with PingOneClient(target.admin_settings()) as worker_client:
        worker_token = worker_client.client_credentials()
    body = worker_token.body
    print("HTTP", worker_token.status, "|", body["token_type"], "token, expires in", body["expires_in"], "s")

# %%
api = requests.Session()
if worker:
    api.headers["Authorization"] = f"Bearer {worker_token.access_token}"
    endpoints = target.endpoints()
    print("management API:", endpoints.management_url())

# %% [markdown]
# ## 2. The web application, with `tokenEndpointAuthMethod: CLIENT_SECRET_JWT`
# `POST {apiPath}/environments/{envID}/applications`. The fields that matter for this workbook: `type` WEB_APP
# (a confidential client), `grantTypes` with AUTHORIZATION_CODE, the `redirectUris` the authorize request may use,
# and **`tokenEndpointAuthMethod`: `CLIENT_SECRET_JWT`** — from now on PingOne accepts only a client assertion.

# %%
app_body = {
    "enabled": True, "name": f"Workbook CSJ web app {secrets.token_hex(3)}", "type": "WEB_APP",
    "protocol": "OPENID_CONNECT", "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN"], "responseTypes": ["CODE"],
    "redirectUris": [target.settings.redirect_uri], "pkceEnforcement": "S256_REQUIRED",
    "tokenEndpointAuthMethod": "CLIENT_SECRET_JWT",
}
print(json.dumps({k: v for k, v in app_body.items() if k != "name"}, indent=1))

# %%
if worker:
    created = api.post(endpoints.management_url("applications"), json=app_body, timeout=10)
    app = created.json()
    target.record_created("02", "application", app_body["name"], endpoints.management_url("applications", app["id"]))
    print("HTTP", created.status_code, {k: app.get(k) for k in ("type", "tokenEndpointAuthMethod", "pkceEnforcement")})

# %% [markdown]
# ## 3. Its client secret — read once, kept masked
# `GET …/applications/{appID}/secret`. PingOne's secrets are at least 64 characters, long enough for HS512. It goes
# straight into a `pinghelpers.Secret`, whose repr is masked; only signing reveals it.

# %%
if worker:
    answer = api.get(endpoints.management_url("applications", app["id"], "secret"), timeout=10)
    app_secret = Secret(answer.json()["secret"])
    print("HTTP", answer.status_code, "| secret:", app_secret)

# %% [markdown]
# ## 4. A population, a user, a password
# Users live in a **population**. Create one, a user in it, then set the password with PingOne's media type
# `application/vnd.pingidentity.password.set+json`. The password is generated straight into a `Secret` — never
# shown, and never put in a form field (whatever a widget holds can end up in a saved notebook).

# %%
suffix = secrets.token_hex(4)  # names are unique per environment: a suffix lets you run this again
username = f"workbook-{suffix}"
new_password = Secret(secrets.token_urlsafe(12) + "-Aa1")
if worker:
    population = api.post(endpoints.management_url("populations"), json={"name": f"Workbook {suffix}"}, timeout=10)
    pop_id = population.json()["id"]
    target.record_created("02", "population", f"Workbook {suffix}", endpoints.management_url("populations", pop_id))
    user_body = {"username": username, "email": f"{username}@example.com", "population": {"id": pop_id}}
    user = api.post(endpoints.management_url("users"), json=user_body, timeout=10)
    target.record_created("02", "user", username, endpoints.management_url("users", user.json()["id"]))
    print("population: HTTP", population.status_code, "| user: HTTP", user.status_code,
          "| enabled:", user.json().get("enabled"))

# %%
if worker:
    answer = api.put(
        endpoints.management_url("users", user.json()["id"], "password"),
        data=json.dumps({"value": new_password.reveal(), "forceChange": False}),
        headers={"Content-Type": "application/vnd.pingidentity.password.set+json"}, timeout=10,
    )
    print("HTTP", answer.status_code, "| password status:", answer.json().get("status"), "| password:", new_password)

# %% [markdown]
# ## 5. Use it: sign on as the new user, exchange with the new app
# The whole flow of notebooks 3–5, with the app and user just created:

# %%
if worker:
    mine = target.settings.replace(
        client_id=app["id"], client_secret=app_secret, username=username, password=new_password
    )
    with PingOneClient(mine) as client:
        request = client.authorization_request()
        tokens = client.exchange_code(client.sign_on(request).code, code_verifier=request.code_verifier)
    print("HTTP", tokens.status, "→", ", ".join(sorted(tokens.body)))

# %% [markdown]
# ## 6. Keep it: write it into `.env`
# To use this app and user in the other notebooks, their settings go into your `.env` file. Set `save_to_dotenv`
# to `True` and run the cell: it writes `PINGONE_CLIENT_ID`, `PINGONE_CLIENT_SECRET`, `PINGONE_USERNAME` and
# `PINGONE_PASSWORD` (file mode 0600: only you can read it; the values are never displayed; your old file is kept
# as `.env.before-workbook`). Then restart the kernel of the notebook you go on with.

# %%
save_to_dotenv = False  # ← True to write the new app and user into .env
if worker and save_to_dotenv and not target.is_local_sandbox:
    values = {"PINGONE_CLIENT_ID": app["id"], "PINGONE_CLIENT_SECRET": app_secret,
              "PINGONE_USERNAME": username, "PINGONE_PASSWORD": new_password}
    path = write_dotenv(values)
    print(f"wrote {', '.join(values)} to {path} (mode {oct(path.stat().st_mode & 0o777)})")
else:
    print("Not written (the local sandbox's apps vanish with the kernel)." if target.is_local_sandbox else "Not written.")

# %% [markdown]
# Done with the workbook? The last section of notebook 8 deletes what this notebook and notebook 8 created.
#
# ## Exercise
# Write the body of *another* application — say, for a second web app of yours. It must accept **only** client
# assertions signed with its secret, **require PKCE with S256**, and get **refresh tokens** as well as codes.
# Add the three missing fields to `my_body` (section 2 names them) and run the check. Nothing is sent.

# %% tags=["student"]
my_body = {"name": "My second web app", "type": "WEB_APP", "protocol": "OPENID_CONNECT",
           "redirectUris": ["https://app.example.com/callback"], "responseTypes": ["CODE"]}  # ← add three fields

# %% tags=["solution"]
my_body = {"name": "My second web app", "type": "WEB_APP", "protocol": "OPENID_CONNECT",
           "redirectUris": ["https://app.example.com/callback"], "responseTypes": ["CODE"],
           "tokenEndpointAuthMethod": "CLIENT_SECRET_JWT", "pkceEnforcement": "S256_REQUIRED",
           "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN"]}

# %%
missing = [field for field, ok in [
    ("tokenEndpointAuthMethod", my_body.get("tokenEndpointAuthMethod") == "CLIENT_SECRET_JWT"),
    ("pkceEnforcement", my_body.get("pkceEnforcement") == "S256_REQUIRED"),
    ("grantTypes", {"AUTHORIZATION_CODE", "REFRESH_TOKEN"} <= set(my_body.get("grantTypes", []))),
] if not ok]
check_exercise(
    not missing,
    success="CLIENT_SECRET_JWT, PKCE S256 required, and the refresh-token grant beside the code grant.",
    hint=f"still missing or wrong: {', '.join(missing)}. Section 2's app_body has each of them.",
)

# %% [markdown]
# ## Recap
# * A worker token (client_credentials, Basic) authorises the management API.
# * `POST applications` with `tokenEndpointAuthMethod: CLIENT_SECRET_JWT`; `GET …/secret` for the secret (masked).
# * Population → user → `PUT …/password` (`password.set+json`): someone to sign on with.
# * What you create, you delete when done: notebook 8 ends with the clean-up.
#
# Next: [3 · The authorization request](03-the-authorization-request.ipynb).

# %%
api.close()
