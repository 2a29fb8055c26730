# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1 · Set up your environment
#
# **You will learn** how a PingOne environment is addressed (region, environment ID, custom domain), how to read
# its **discovery document**, and how to bring your settings in from a Postman environment.
#
# **You need** for live work: your environment ID (admin console → *Settings → Environment Properties*), its
# region, and an application's client ID and secret. Offline, the local sandbox provides all of them.
# Reference: [PingOne domains](https://docs.pingidentity.com/pingone/developer_tools/p1_ip_address_domain_reference.html),
# [OpenID Connect Discovery 1.0](https://openid.net/specs/openid-connect-discovery-1_0.html).

# %% [markdown]
# ## Setup: choose the target
# The banner says where the cells send their requests: **LOCAL SANDBOX** (offline) or **PINGONE** (live, when
# `PINGONE_*` settings are in the environment or a `.env` file).

# %%
from urllib.parse import urlsplit

from IPython.display import HTML
from pinghelpers import Endpoints, Settings, probe
from pinghelpers.display import check_exercise, discovery_html, table_html, target_form
from pinghelpers.postman import read_postman_environment, write_postman_environment
from pinghelpers.workbook import connect

target = connect()
target

# %% [markdown]
# ## 1. Where is your environment?
# PingOne runs in regions; each has its own domain, and every auth URL is
# `https://auth.pingone.<tld>/<envID>/as/...`. With a **custom domain** the environment ID disappears from the
# path (`https://auth.example.com/as/...`). The local sandbox is an *auth path* on `127.0.0.1`.
#
# | region | `PINGONE_REGION` | auth path (Postman `{{authPath}}`) |
# |---|---|---|
# | North America | `NA` | `https://auth.pingone.com` |
# | Canada | `CA` | `https://auth.pingone.ca` |
# | European Union | `EU` | `https://auth.pingone.eu` |
# | Australia | `AU` | `https://auth.pingone.com.au` |
# | Singapore | `SG` | `https://auth.pingone.sg` |
# | Asia-Pacific (legacy: "available only for existing .asia customers") | `AP` | `https://auth.pingone.asia` |
#
# The form is pre-filled from the target. Change a field and press **Check**: it validates the values and works
# out the endpoints — nothing is sent. The secret's field starts **empty** and says where the value comes from
# (your settings, or the local sandbox); a secret you type is taken out of the field as soon as the form uses it,
# so it is never shown, printed or saved with the notebook.

# %%
form = target_form(target.settings)
form

# %% [markdown]
# The next cell presses **Check** for you (so *Run All* needs no clicks) and shows what the form worked out:

# %%
form.button.click()
HTML(form.status.value)

# %%
endpoints = form.result.endpoints() if form.result else target.endpoints()
HTML(table_html([(k, v) for k, v in endpoints.as_dict().items() if v], ("endpoint", "URL"), code_columns=(0, 1)))

# %% [markdown]
# The same environment ID in another region, and a custom domain — the URL patterns side by side (built locally
# by `pinghelpers.Endpoints`, the one place that knows PingOne's URLs):

# %%
env_id = target.settings.env_id or "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c"
for label, ep in [
    ("region EU", Endpoints.from_region(env_id, "EU")),
    ("custom domain", Endpoints.from_custom_domain("auth.example.com", env_id=env_id)),
]:
    token = urlsplit(ep.token_endpoint)  # shown as host + path pattern: this notebook calls no live host
    print(f"{label:14} host {token.netloc:18} token endpoint path {token.path.replace(env_id, '{envID}')}")

# %% [markdown]
# ## 2. The discovery document
# Every OpenID provider publishes its configuration at `{issuer}/.well-known/openid-configuration`
# ([PingOne: Discovery](https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/discovery-openid-configuration.html)).
# Clients read it instead of hard-coding URLs. Here it is, fetched from the target, with what each field is for:

# %%
client = target.client()
discovery = client.discovery()
HTML(discovery_html(discovery))

# %% [markdown]
# Two fields matter most for this workbook: `token_endpoint` (where the client assertion goes, and a value its
# `aud` may take) and `token_endpoint_auth_methods_supported` (does the server know `client_secret_jwt`?):

# %%
print("token endpoint:        ", discovery["token_endpoint"])
print("client_secret_jwt known:", "client_secret_jwt" in discovery.get("token_endpoint_auth_methods_supported", []))

# %% [markdown]
# ## 3. Settings from a Postman environment
# PingOne's [Postman workflow collections](https://developer.pingidentity.com/pingone-api/workflow-library/using-postman-workflow-collections/using-the-pingone-postman-environment.html)
# keep their values in a Postman *environment* (`tld`, `authPath`, `envID`, `appJwtID`, …). Export yours from
# Postman (*Environments → … → Export*) and put its path in `postman_file`. The default is an example file
# shipped with the workbook (its secret is empty, as an exported secret should be).

# %%
postman_file = "data/pingone-workflow.postman_environment.json"  # ← or the path of your export
imported = read_postman_environment(postman_file)
print({k: v for k, v in imported.as_dict().items() if k in ("region", "env_id", "client_id", "redirect_uri")})
token = urlsplit(imported.endpoints().token_endpoint)
print("token endpoint: host", token.netloc, "path", token.path)

# %% [markdown]
# The other way round: the target's settings as a Postman environment. Secrets are typed `secret` and written
# **empty** unless you ask for them — an exported file is easy to share by mistake.

# %%
exported = write_postman_environment(target.settings, name="my PingOne target")
HTML(table_html([(v["key"], v["value"] or f"({v['type']}: empty)") for v in exported["values"]], ("key", "value")))

# %% [markdown]
# ### The whole flow in Postman
# The same settings also drive a Postman **collection** of the flow this workbook teaches: authorize with
# `response_mode=pi.flow`, the flows API's `usernamePassword.check`, resume for the code, the token request — its
# client assertion built by a pre-request script with CryptoJS, as step 4 of PingOne's *Configure
# CLIENT_SECRET_JWT* workflow does — and userinfo, with tests in each request. It is written beside the
# environment, into the folder below (relative to this notebook); `pinghelpers postman export DIR` does the same
# from the shell.

# %%
from pinghelpers import ConfigurationError
from pinghelpers.postman_collection import export_postman

export_folder = "postman"  # ← or another folder

try:
    export = export_postman(target.settings, export_folder)
except ConfigurationError as exc:  # e.g. a custom domain: the collection uses {{authPath}}/{{envID}}/as/…
    print(f"not exported: {exc.message}\nfix: {exc.fix}")
else:
    print("collection: ", export.collection.name)
    print("environment:", export.environment.name, "(appJwtSecret and userPassword typed secret, left empty)")
    for step in export.requests:
        print("   ", step)

# %% [markdown]
# **Into Postman:** *Import* → choose both files → select the environment (top right) and set the **current
# value** of `appJwtSecret` (the client secret) and `userPassword` → open the collection → **Run** (or send
# requests 1–5 in order). Each request's *Test Results* shows its checks; a wrong secret makes request 4 fail
# with PingOne's `invalid_client`. From a shell, `newman run <collection> -e <environment>` runs the same.
# Against the local sandbox the files point at this kernel's sandbox, which stops with the kernel: run
# `python -m pinghelpers sandbox` in a terminal for one that stays up.
#
# **Back from Postman:** an environment you export from Postman (*Environments → … → Export*) reads straight
# into `read_postman_environment(path)`, as at the start of this section.

# %% [markdown]
# ## 4. The banner, and switching targets
# `connect()` looks for `PINGONE_ENV_ID` (or `PINGONE_AUTH_PATH`, `PINGONE_CUSTOM_DOMAIN`, `PINGONE_ISSUER`) in the
# environment and in `.env`. Found → **live**; not found → the **local sandbox**. `PINGHELPERS_TARGET=sandbox`
# forces the sandbox (the tests and `make notebooks` set it). After changing `.env`, restart the kernel.

# %% [markdown]
# ## 5. How close is the local sandbox to *your* environment? `probe`
# `probe()` (shell: `pinghelpers probe`) sends the same documented requests — discovery, JWKS, authorize errors,
# the flows API, the token exchange with a good assertion and with each rule broken alone, userinfo, introspect,
# revoke, signoff — to this target and to a local sandbox configured like it, and compares status, keys and error
# codes (at most 60 requests, answers masked). Read the `≠` lines first: each says which lesson reads differently
# live. On the local sandbox itself there is nothing to find.

# %%
report = probe(target.settings)
print(str(report).split("ALL PROBES")[0].strip())

# %% [markdown]
# ## Exercise
# A colleague's environment is in **Australia** with the environment ID in `colleague_env`. Write its token
# endpoint URL by hand — no helper, use the region table in section 1 — and run the check.

# %%
colleague_env = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

# %% tags=["student"]
my_token_endpoint = ""  # ← the URL, e.g. f"https://…/{colleague_env}/…"

# %% tags=["solution"]
my_token_endpoint = f"https://auth.pingone.com.au/{colleague_env}/as/token"

# %%
check_exercise(
    my_token_endpoint == Endpoints.from_region(colleague_env, "AU").token_endpoint,
    success="auth host for the region, then /{envID}/as/token.",
    hint="Australia's auth host is auth.pingone.com.au; the path is /{envID}/as/token (https, no trailing slash).",
)

# %% [markdown]
# ## Recap
# * An environment is a region (or custom domain) plus an environment ID; every auth URL hangs off the issuer
#   `https://auth.pingone.<tld>/<envID>/as`.
# * The discovery document lists the endpoints; `pinghelpers.Endpoints` builds them in one place.
# * Settings come from `PINGONE_*` variables, `.env`, this form, or a Postman environment — secrets stay masked.
# * The flow goes to Postman as a collection with tests (`export_postman`), secrets left for you to fill in.
#
# Next: [2 · Create the application](02-create-the-application.ipynb), or skip to
# [3 · The authorization request](03-the-authorization-request.ipynb) if your app exists.

# %%
client.close()
