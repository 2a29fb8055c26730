"""PingOne's "Configure CLIENT_SECRET_JWT" workflow as a Postman v2.1 collection, written beside its environment.

:func:`export_postman` (``pinghelpers postman export DIR``) writes the flow as five requests with ``pm.test``
checks — authorize (``response_mode=pi.flow``), ``usernamePassword.check``, resume, the token request whose client
assertion a pre-request script builds with CryptoJS (PingOne's Step 4), userinfo — and the environment
:mod:`pinghelpers.postman` writes. newman runs it against the local sandbox in ``tests/newman``. Secrets stay out
of both files unless ``include_secrets=True``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import ConfigurationError
from .postman import write_postman_environment
from .rules import CLIENT_ASSERTION_TYPE
from .settings import Settings

__all__ = [
    "COLLECTION_FILE",
    "ENVIRONMENT_FILE",
    "RUNTIME_VARIABLES",
    "PostmanExport",
    "build_postman_collection",
    "export_postman",
]

# -- the collection: PingOne's "Configure CLIENT_SECRET_JWT" workflow, steps 6-10, plus userinfo -----------------
#
# The workflow's own collection (Ping's "Run in Postman" button) creates the application and the user first with a
# worker token; this one starts where those exist — the values come from the environment written beside it. It
# uses response_mode=pi.flow (PingOne's redirect-less mode: authorize and resume answer JSON, no hosted page), so
# it runs in Postman and in newman with no browser and no redirects to follow.

COLLECTION_SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"  # the format's id
COLLECTION_FILE = "PingOne-CLIENT_SECRET_JWT.postman_collection.json"
ENVIRONMENT_FILE = "PingOne-CLIENT_SECRET_JWT.postman_environment.json"

# Variables the collection's test scripts set at run time. Ping's workflow keeps flowID and authCode in the active
# environment (and so do we when one is selected); the rest are our names.
RUNTIME_VARIABLES: dict[str, str] = {
    "flowID": "the flow the authorize request started (workflow variable)",
    "authCode": "the authorization code resume returned (workflow variable)",
    "appJwtAccessToken": "the access token from the token request, sent to userinfo (our name: the template's "
    "accessToken is the worker's token)",
    "appJwtSub": "the ID token's sub, compared with userinfo's (our name)",
}

# `pm.environment` when an environment is selected (Ping's workflows write there), else the collection's
# variables. The environment comes first in Postman's lookup, so a stale value there would shadow a
# collection variable.
_REMEMBER = "const store = pm.environment.name ? pm.environment : pm.collectionVariables;"

_AUTHORIZE_TESTS = [
    "// PingOne, response_mode=pi.flow: authorize answers 200 with the flow as JSON (no redirect, no hosted page).",
    _REMEMBER,
    'pm.test("authorize answers 200 with a flow (response_mode=pi.flow)", function () {',
    "    pm.response.to.have.status(200);",
    '    pm.expect(pm.response.json().id, "the flow id").to.be.a("string").and.not.empty;',
    "});",
    "const flow = pm.response.json();",
    'pm.test("the flow asks for a username and password (usernamePassword.check)", function () {',
    '    pm.expect(flow.status).to.eql("USERNAME_PASSWORD_REQUIRED");',
    '    pm.expect(flow._links, "the flow\'s actions").to.have.property("usernamePassword.check");',
    "});",
    'if (flow.id) { store.set("flowID", flow.id); }',
]

_SIGN_ON_PREREQUEST = [
    "// The password is a secret: the exported environment leaves it empty. Fill userPassword's current value.",
    'if (!pm.variables.get("userPassword")) {',
    '    throw new Error("userPassword is empty: set its current value in the environment (it is exported empty, "'
    ' + "as every secret is)");',
    "}",
]

_SIGN_ON_TESTS = [
    "// PingOne flows API: a right password completes the flow (status COMPLETED) and sets the ST session cookie,",
    "// which resume needs (Postman's cookie jar sends it back).",
    'pm.test("usernamePassword.check answers 200", function () {',
    "    pm.response.to.have.status(200);",
    "});",
    'pm.test("the flow is COMPLETED", function () {',
    '    pm.expect(pm.response.json().status).to.eql("COMPLETED");',
    "});",
    'pm.test("the ST session cookie is set", function () {',
    '    pm.expect(pm.cookies.has("ST"), "Set-Cookie: ST=…").to.be.true;',
    "});",
]

_RESUME_TESTS = [
    "// PingOne: with response_mode=pi.flow, resume answers JSON whose authorizeResponse carries the code.",
    _REMEMBER,
    'pm.test("resume answers 200 with the code in authorizeResponse", function () {',
    "    pm.response.to.have.status(200);",
    '    pm.expect(pm.response.json().authorizeResponse.code, "authorizeResponse.code").to.be.a("string").and.not'
    ".empty;",
    "});",
    "const answer = pm.response.json();",
    'if (answer.authorizeResponse && answer.authorizeResponse.code) { store.set("authCode", '
    "answer.authorizeResponse.code); }",
]

# Step 4 of PingOne's "Configure CLIENT_SECRET_JWT" workflow: the client assertion, built in the token request's
# pre-request script with CryptoJS (a library Postman's sandbox ships), HS256 with the client secret.
_TOKEN_PREREQUEST = [
    "// The client assertion (CLIENT_SECRET_JWT), as PingOne's workflow builds it: header {typ: JWT, alg: HS256};",
    "// iss = sub = the client ID, aud = the token endpoint URL, exp = now + 5 minutes (PingOne refuses an exp more",
    "// than an hour ahead); signed with HMAC-SHA-256, the key being the client secret.",
    "// https://developer.pingidentity.com/pingone-api/auth/auth-config-options/create-a-client-secret-jwt.html",
    "// (Postman's sandbox also has CryptoJS as a global; require() is the documented way, under another name.)",
    'const cryptoJS = require("crypto-js");',
    'const clientId = pm.variables.get("appJwtID");',
    'const secret = pm.variables.get("appJwtSecret");',
    "if (!secret) {",
    '    throw new Error("appJwtSecret is empty: set its current value in the environment to the application\'s "'
    ' + "client secret (it is exported empty, as every secret is)");',
    "}",
    "function base64url(words) {",
    '    return cryptoJS.enc.Base64.stringify(words).replace(/=+$/, "").replace(/\\+/g, "-").replace(/\\//g, "_");',
    "}",
    'const header = { typ: "JWT", alg: "HS256" };',
    "const now = Math.floor(Date.now() / 1000);",
    "const claims = {",
    "    iss: clientId,",
    "    sub: clientId,",
    '    aud: pm.variables.replaceIn("{{authPath}}/{{envID}}/as/token"),',
    "    exp: now + 300,",
    "};",
    'const signingInput = base64url(cryptoJS.enc.Utf8.parse(JSON.stringify(header))) + "." +',
    "    base64url(cryptoJS.enc.Utf8.parse(JSON.stringify(claims)));",
    "const signature = base64url(cryptoJS.HmacSHA256(signingInput, cryptoJS.enc.Utf8.parse(secret)));",
    "// A local variable: it lives for this request only and is never saved in the environment.",
    'pm.variables.set("jwt_signed", signingInput + "." + signature);',
]

_TOKEN_TESTS = [
    "// PingOne token endpoint: 200 with a Bearer access token (and an ID token for scope openid). A wrong secret",
    "// (or assertion) answers 401 invalid_client; the first test's name then carries PingOne's words.",
    _REMEMBER,
    'const cryptoJS = require("crypto-js");',
    "const body = pm.response.json();",
    'const refused = body.error ? " — refused: " + body.error + ": " + (body.error_description || "") : "";',
    'pm.test("token request accepted (200)" + refused, function () {',
    "    pm.response.to.have.status(200);",
    "});",
    'pm.test("a Bearer access token", function () {',
    "    pm.expect(body.token_type).to.match(/^bearer$/i);",
    '    pm.expect(body.access_token).to.be.a("string").and.not.empty;',
    "});",
    "// A refused request leaves no token from an earlier run behind for userinfo to use.",
    'store.unset("appJwtAccessToken");',
    'store.unset("appJwtSub");',
    'if (body.access_token) { store.set("appJwtAccessToken", body.access_token); }',
    'if (pm.variables.get("scope").split(" ").indexOf("openid") >= 0) {',
    '    pm.test("an ID token for this client from this issuer (aud, iss)", function () {',
    '        pm.expect(body.id_token, "id_token").to.be.a("string");',
    '        const part = body.id_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");',
    '        const CryptoJS = require("crypto-js");',
    "        const idClaims = JSON.parse(CryptoJS.enc.Base64.parse(part).toString(CryptoJS.enc.Utf8));",
    "        const aud = [].concat(idClaims.aud);",
    '        pm.expect(aud).to.include(pm.variables.get("appJwtID"));',
    '        pm.expect(idClaims.iss).to.eql(pm.variables.replaceIn("{{authPath}}/{{envID}}/as"));',
    '        store.set("appJwtSub", idClaims.sub);',
    "    });",
    "}",
]

_USERINFO_TESTS = [
    "// OpenID Connect userinfo: the signed-on user's claims for the access token (Bearer).",
    'pm.test("userinfo answers 200", function () {',
    "    pm.response.to.have.status(200);",
    "});",
    'pm.test("the claims are about the user who signed on (sub)", function () {',
    "    const info = pm.response.json();",
    '    pm.expect(info.sub).to.be.a("string").and.not.empty;',
    '    const sub = pm.variables.get("appJwtSub");',
    '    if (sub) { pm.expect(info.sub, "userinfo sub = ID token sub").to.eql(sub); }',
    "});",
]


def _url(path: list[str], query: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    raw = "{{authPath}}/" + "/".join(path)
    if query:
        raw += "?" + "&".join(f"{k}={v}" for k, v in query)
    url: dict[str, Any] = {"raw": raw, "host": ["{{authPath}}"], "path": path}
    if query:
        url["query"] = [{"key": k, "value": v} for k, v in query]
    return url


def _script(listen: str, lines: list[str]) -> dict[str, Any]:
    return {"listen": listen, "script": {"type": "text/javascript", "exec": lines}}


def _request(
    name: str,
    description: str,
    method: str,
    url: dict[str, Any],
    *,
    tests: list[str],
    prerequest: list[str] | None = None,
    header: list[tuple[str, str]] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": method,
        "header": [{"key": k, "value": v} for k, v in header or []],
        "url": url,
        "description": description,
    }
    if body is not None:
        request["body"] = body
    events = [_script("prerequest", prerequest)] if prerequest else []
    events.append(_script("test", tests))
    # No request here should redirect (pi.flow answers JSON); if one does, show the 302 rather than follow it
    # to wherever it points — Ping's own advice for its workflows is to turn automatic redirects off.
    return {"name": name, "event": events, "request": request, "protocolProfileBehavior": {"followRedirects": False}}


def build_postman_collection(*, name: str = "PingOne CLIENT_SECRET_JWT (pinghelpers)") -> dict[str, Any]:
    """A Postman v2.1 collection of PingOne's CLIENT_SECRET_JWT sign-on, one request per step, each with tests.

    1. authorize with ``response_mode=pi.flow`` → the flow (``flowID``)
    2. the flows API's ``usernamePassword.check`` → ``COMPLETED`` and the ``ST`` session cookie
    3. resume → the authorization code (``authCode``)
    4. the token request, authenticated by a ``client_assertion`` that the pre-request script builds and signs
       (HS256 with ``appJwtSecret``, CryptoJS — as step 4 of PingOne's workflow does)
    5. userinfo with the access token

    Every value comes from variables (the environment :func:`export_postman` writes beside it, in the keys of
    PingOne's workflow template), so the collection holds no host, ID or secret.
    """
    authorize_query = [
        ("response_type", "code"),
        ("client_id", "{{appJwtID}}"),
        ("redirect_uri", "{{redirectUri}}"),
        ("scope", "{{scope}}"),
        ("response_mode", "pi.flow"),
        ("prompt", "login"),
    ]
    items = [
        _request(
            "1 · Authorize (response_mode=pi.flow)",
            "Starts the sign-on. With `response_mode=pi.flow` PingOne answers with the flow as JSON instead of a "
            "302 to its hosted sign-on page; the test stores its `id` as `flowID`. `prompt=login` asks for the "
            "password again even when a session cookie from an earlier run exists, so every run is the same.\n\n"
            "PingOne: https://developer.pingidentity.com/pingone-api/auth/auth-config-options.html",
            "GET",
            _url(["{{envID}}", "as", "authorize"], authorize_query),
            tests=_AUTHORIZE_TESTS,
        ),
        _request(
            "2 · Sign on (flows API: usernamePassword.check)",
            "Submits the user's name and password to the flow. The action is chosen by the Content-Type. PingOne "
            "completes the flow and sets the `ST` session cookie that resume needs.\n\n"
            "PingOne: https://developer.pingidentity.com/pingone-api/auth/flows.html",
            "POST",
            _url(["{{envID}}", "flows", "{{flowID}}"]),
            tests=_SIGN_ON_TESTS,
            prerequest=_SIGN_ON_PREREQUEST,
            header=[("Content-Type", "application/vnd.pingidentity.usernamePassword.check+json")],
            body={
                "mode": "raw",
                "raw": '{\n    "username": "{{username}}",\n    "password": "{{userPassword}}"\n}',
            },
        ),
        _request(
            "3 · Resume for the code",
            "Returns to the authorization server with the completed flow (and the `ST` cookie). With `pi.flow` "
            "the answer is JSON: `authorizeResponse.code` is the authorization code, stored as `authCode`.",
            "GET",
            _url(["{{envID}}", "as", "resume"], [("flowId", "{{flowID}}")]),
            tests=_RESUME_TESTS,
        ),
        _request(
            "4 · Token (CLIENT_SECRET_JWT client assertion)",
            "Exchanges the code for tokens. The client proves who it is with `client_assertion`: a JWT that the "
            'pre-request script builds and signs with the client secret (header `{"typ":"JWT","alg":"HS256"}`; '
            "`iss` = `sub` = the client ID, `aud` = this token endpoint's URL, `exp`), as step 4 of PingOne's "
            "*Configure CLIENT_SECRET_JWT* workflow does. The secret itself is never sent.\n\n"
            "PingOne: https://developer.pingidentity.com/pingone-api/auth/auth-config-options/create-a-client-secret-jwt.html",
            "POST",
            _url(["{{envID}}", "as", "token"]),
            tests=_TOKEN_TESTS,
            prerequest=_TOKEN_PREREQUEST,
            header=[("Content-Type", "application/x-www-form-urlencoded")],
            body={
                "mode": "urlencoded",
                "urlencoded": [
                    {"key": "grant_type", "value": "authorization_code", "type": "text"},
                    {"key": "code", "value": "{{authCode}}", "type": "text"},
                    {"key": "redirect_uri", "value": "{{redirectUri}}", "type": "text"},
                    {"key": "client_assertion", "value": "{{jwt_signed}}", "type": "text"},
                    {"key": "client_assertion_type", "value": CLIENT_ASSERTION_TYPE, "type": "text"},
                ],
            },
        ),
        _request(
            "5 · Userinfo",
            "Calls the OpenID Connect userinfo endpoint with the access token from step 4.",
            "GET",
            _url(["{{envID}}", "as", "userinfo"]),
            tests=_USERINFO_TESTS,
            header=[("Authorization", "Bearer {{appJwtAccessToken}}")],
        ),
    ]
    variables = [
        {
            "key": "scope",
            "value": "openid profile email",
            "type": "string",
            "description": "used when the environment has no scope",
        }
    ]
    variables += [{"key": k, "value": "", "type": "string", "description": v} for k, v in RUNTIME_VARIABLES.items()]
    return {
        "info": {
            "_postman_id": str(uuid.uuid5(uuid.NAMESPACE_URL, "pinghelpers/postman/client-secret-jwt")),
            "name": name,
            "description": _COLLECTION_DESCRIPTION,
            "schema": COLLECTION_SCHEMA,
        },
        "item": items,
        "variable": variables,
    }


_COLLECTION_DESCRIPTION = """\
PingOne's authorization-code flow with **CLIENT_SECRET_JWT** client authentication, one request per step, each \
with tests — written by `pinghelpers postman export`.

Select the environment exported beside this collection and set the **current values** of its secrets: \
`appJwtSecret` (the application's client secret) and `userPassword` (the test user's). They are exported empty. \
Then run the collection (Run → Run PingOne…), or send the requests in order.

The application needs: Token Endpoint Authentication Method *Client Secret JWT*, grant type Authorization Code, \
`{{redirectUri}}` among its redirect URIs, and a sign-on policy with username + password. The collection follows \
the URLs of PingOne's workflow collections, `{{authPath}}/{{envID}}/as/…` (no custom domain)."""


def _write_json_atomically(target: Path, document: Mapping[str, Any], *, private: bool = False) -> None:
    # A reader (another kernel, Postman's file watcher) sees the old file or the new one, never half of one; a
    # file that holds secrets is created readable by its owner only, before anything is written to it.
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _blank_environment(name: str) -> dict[str, Any]:
    """The environment to fill in Postman when there are no settings: the template's defaults, empty IDs."""
    values: list[dict[str, Any]] = []
    for key, value, secret in (
        ("tld", "com", False),
        ("authPath", "https://auth.pingone.{{tld}}", False),
        ("apiPath", "https://api.pingone.{{tld}}/v1", False),
        ("envID", "", False),
        ("appJwtID", "", False),
        ("appJwtSecret", "", True),
        ("redirectUri", "", False),
        ("scope", "openid profile email", False),
        ("username", "", False),
        ("userPassword", "", True),
    ):
        values.append({"key": key, "value": value, "type": "secret" if secret else "default", "enabled": True})
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "values": values,
        "_postman_variable_scope": "environment",
        "_postman_exported_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "_postman_exported_using": "pinghelpers",
    }


class PostmanExport:
    """What :func:`export_postman` wrote: the two files' paths, and the documents themselves."""

    def __init__(self, collection: Path, environment: Path, documents: tuple[dict[str, Any], dict[str, Any]]):
        self.collection = collection
        self.environment = environment
        self.collection_document, self.environment_document = documents

    @property
    def requests(self) -> list[str]:
        """The collection's request names, in run order."""
        return [item["name"] for item in self.collection_document["item"]]

    def __repr__(self) -> str:
        return f"PostmanExport(collection={self.collection.name!r}, environment={self.environment.name!r})"


def export_postman(
    settings: Settings | None,
    directory: str | os.PathLike[str],
    *,
    name: str = "PingOne CLIENT_SECRET_JWT",
    include_secrets: bool = False,
) -> PostmanExport:
    """Write the collection (:func:`build_postman_collection`) and its environment into ``directory``.

    The environment holds ``settings`` in the workflow template's keys (:func:`write_postman_environment`), or
    the template's defaults to fill in when ``settings`` is ``None``. Secrets are typed ``secret`` and left
    empty unless ``include_secrets`` (the file is then readable by its owner only). In Postman: *Import* both
    files, select the environment, set the secrets' current values, run the collection.
    """
    if settings is not None:
        if settings.auth_method != "client_secret_jwt":
            raise ConfigurationError(
                f"the collection authenticates with CLIENT_SECRET_JWT, but these settings use {settings.auth_method}",
                setting="PINGONE_AUTH_METHOD",
                fix="export with auth_method='client_secret_jwt' (the application's tokenEndpointAuthMethod), or "
                "write only the environment with write_postman_environment()",
            )
        environment = write_postman_environment(settings, None, name=name, include_secrets=include_secrets)
        keys = {v["key"]: v["value"] for v in environment["values"]}
        if not keys.get("authPath") or not keys.get("envID") or settings.custom_domain:
            raise ConfigurationError(
                "the collection calls {{authPath}}/{{envID}}/as/…, as PingOne's workflow collections do; these "
                "settings give no auth path and environment ID (a custom domain or another issuer)",
                setting="PINGONE_ENV_ID",
                fix="export for a region (or auth path) plus the environment ID, or write only the environment "
                "with write_postman_environment()",
            )
    else:
        environment = _blank_environment(name)
    collection = build_postman_collection(name=name)
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot create the folder {str(folder)!r}: {exc.strerror or exc}",
            fix="give a folder you can write to",
        ) from None
    collection_path, environment_path = folder / COLLECTION_FILE, folder / ENVIRONMENT_FILE
    _write_json_atomically(collection_path, collection)
    _write_json_atomically(environment_path, environment, private=include_secrets)
    return PostmanExport(collection_path, environment_path, (collection, environment))
