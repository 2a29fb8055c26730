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
# `PINGONE_ADMIN_ENV_ID`, `PINGONE_ADMIN_CLIENT_ID`, `PINGONE_ADMIN_CLIENT_SECRET`. Skip this notebook if your
# app already exists. The local sandbox has a worker seeded. Reference: [PingOne workflow: Configure
# CLIENT_SECRET_JWT](https://developer.pingidentity.com/pingone-api/workflow-library/authorization-and-authentication/configure-client-secret-jwt.html),
# [Applications](https://developer.pingidentity.com/pingone-api/platform/applications.html).

# %% [markdown]
# ## Setup: choose the target

# %%
import json
import secrets

import ipywidgets as W
import requests
from pinghelpers import PingOneClient, Secret
from pinghelpers.display import check_exercise
from pinghelpers.workbook import connect

target = connect()
target

# %% [markdown]
# ## 1. A worker token
# Management calls carry a **worker** app's access token. The worker gets it with the `client_credentials`
# grant, authenticating with HTTP Basic — the one place here where a secret travels (over TLS) instead of an
# assertion. The token goes into every later call as `Authorization: Bearer …` (never printed).

# %%
admin = target.admin_settings()
with PingOneClient(admin) as worker:
    worker_token = worker.client_credentials()
print("HTTP", worker_token.status, "|", worker_token.body["token_type"], "token, expires in", worker_token.body["expires_in"], "s")

# %%
api = requests.Session()
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
    "enabled": True, "name": "Workbook CSJ web app", "type": "WEB_APP", "protocol": "OPENID_CONNECT",
    "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN"], "responseTypes": ["CODE"],
    "redirectUris": [target.settings.redirect_uri], "pkceEnforcement": "S256_REQUIRED",
    "tokenEndpointAuthMethod": "CLIENT_SECRET_JWT",
}
created = api.post(endpoints.management_url("applications"), json=app_body, timeout=10)
app = created.json()
print("HTTP", created.status_code, {k: app.get(k) for k in ("id", "type", "tokenEndpointAuthMethod", "pkceEnforcement")})

# %% [markdown]
# ## 3. Its client secret — read once, kept masked
# `GET …/applications/{appID}/secret`. PingOne's secrets are at least 64 characters, long enough for HS512. It goes
# straight into a `pinghelpers.Secret`, whose repr is masked; only signing reveals it.

# %%
answer = api.get(endpoints.management_url("applications", app["id"], "secret"), timeout=10)
app_secret = Secret(answer.json()["secret"])
print("HTTP", answer.status_code, "| secret:", app_secret)

# %% [markdown]
# ## 4. A population, a user, a password
# Users live in a **population**. Create one, a user in it, then set the password with PingOne's media type
# `application/vnd.pingidentity.password.set+json`. The new password is a Password field (generated, never shown).

# %%
suffix = secrets.token_hex(4)  # names are unique per environment: a suffix lets you run this again
population = api.post(endpoints.management_url("populations"), json={"name": f"Workbook {suffix}"}, timeout=10)
username = f"workbook-{suffix}"
user_body = {"username": username, "email": f"{username}@example.com", "population": {"id": population.json()["id"]}}
user = api.post(endpoints.management_url("users"), json=user_body, timeout=10)
print("population: HTTP", population.status_code, "| user: HTTP", user.status_code, "| enabled:", user.json().get("enabled"))

# %%
new_password = W.Password(value=secrets.token_urlsafe(12) + "-Aa1", description="New password")
new_password

# %%
answer = api.put(
    endpoints.management_url("users", user.json()["id"], "password"),
    data=json.dumps({"value": new_password.value, "forceChange": False}),
    headers={"Content-Type": "application/vnd.pingidentity.password.set+json"}, timeout=10,
)
print("HTTP", answer.status_code, "| password status:", answer.json().get("status"))

# %% [markdown]
# ## 5. Use it: sign on as the new user, exchange with the new app
# The whole flow of notebooks 3–5, with the app and user just created:

# %%
mine = target.settings.replace(
    client_id=app["id"], client_secret=app_secret, username=username, password=new_password.value
)
with PingOneClient(mine) as client:
    request = client.authorization_request()
    tokens = client.exchange_code(client.sign_on(request).code, code_verifier=request.code_verifier)
print("HTTP", tokens.status, "→", ", ".join(sorted(tokens.body)))

# %% [markdown]
# Put `PINGONE_CLIENT_ID` (the app's `id`), `PINGONE_CLIENT_SECRET` and the test user into your `.env` to use this
# app in the other notebooks.
#
# ## Exercise
# Read the application back (`GET …/applications/{appID}`) and find its token endpoint authentication method.

# %%
read_back = api.get(endpoints.management_url("applications", app["id"]), timeout=10).json()
my_method = read_back["tokenEndpointAuthMethod"]  # ← your answer

check_exercise(
    my_method == "CLIENT_SECRET_JWT",
    success="the app accepts only a client assertion signed with its secret at the token endpoint.",
    hint="look for the field tokenEndpointAuthMethod in the application JSON.",
)

# %% [markdown]
# ## Recap
# * A worker token (client_credentials, Basic) authorises the management API.
# * `POST applications` with `tokenEndpointAuthMethod: CLIENT_SECRET_JWT`; `GET …/secret` for the secret (masked).
# * Population → user → `PUT …/password` (`password.set+json`): someone to sign on with.
#
# Next: [3 · The authorization request](03-the-authorization-request.ipynb).

# %%
# NBVAL_IGNORE_OUTPUT
api.close()
