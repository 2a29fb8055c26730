"""Every way to break a client assertion, one at a time → 401 ``invalid_client`` and nothing issued.

Complements ``tests/sandbox`` (one test per rule, checking the rule id): here each *kind of mistake a person
makes* is one row — including the ones no single rule names (two methods at once, another app's secret,
an RS256 header over an HMAC signature, an empty key) — and every row also proves that the sandbox minted
no token. Code misuse (reuse, expiry, another client, another redirect_uri, PKCE) → 400 ``invalid_grant``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from pinghelpers import CLIENT_ASSERTION_TYPE, PingOneClient
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import Sandbox

from ..conftest import MARKER_SECRET
from .conftest import FIGURES, OTHER_APP_ID, OTHER_APP_SECRET


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _hs(header: dict[str, Any], claims: dict[str, Any], key: bytes, digest: Any = hashlib.sha256) -> str:
    """A hand-built HMAC JWS (PyJWT refuses some of these on purpose, e.g. an empty key)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    sig = hmac.new(key, signing_input.encode("ascii"), digest).digest()
    return f"{signing_input}.{_b64(sig)}"


@dataclass(frozen=True)
class Ctx:
    sandbox: Sandbox
    now: int

    def claims(self, **changes: Any) -> dict[str, Any]:
        base: dict[str, Any] = {
            "iss": self.sandbox.client_id,
            "sub": self.sandbox.client_id,
            "aud": self.sandbox.token_endpoint,
            "exp": self.now + 300,
        }
        base.update(changes)
        return {k: v for k, v in base.items() if v is not None}

    def signed(self, key: str = MARKER_SECRET, alg: str = "HS256", **changes: Any) -> str:
        return jwt.encode(self.claims(**changes), key, algorithm=alg)


@dataclass(frozen=True)
class Case:
    """One broken request: ``form`` returns the fields to change; ``headers`` extra HTTP headers."""

    id: str
    form: Callable[[Ctx], dict[str, str | None]]
    headers: Callable[[Ctx], dict[str, str]] = lambda ctx: {}


_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _swap_header(token: str, header: dict[str, Any]) -> str:
    """The same payload and signature under another header (an attacker's edit)."""
    _, payload, sig = token.split(".")
    return f"{_b64(json.dumps(header).encode())}.{payload}.{sig}"


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def _non_canonical(token: str) -> str:
    """The same signature bytes, spelled with an unused low bit set (RFC 4648 §3.5 says encoders clear it)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    head, sig = token.rsplit(".", 1)
    return f"{head}.{sig[:-1]}{alphabet[alphabet.index(sig[-1]) ^ 1]}"


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


BAD_ASSERTIONS: list[Case] = [
    Case("wrong-secret", lambda c: {"client_assertion": c.signed(key="w" * 64)}),
    Case("secret-with-a-typo", lambda c: {"client_assertion": c.signed(key=MARKER_SECRET[:-1] + "X")}),
    Case("secret-truncated", lambda c: {"client_assertion": c.signed(key=MARKER_SECRET[:40])}),
    Case("alg-none", lambda c: {"client_assertion": jwt.encode(c.claims(), None, algorithm="none")}),
    Case("alg-none-with-signature", lambda c: {"client_assertion": _swap_header(c.signed(), {"alg": "none"})}),
    Case(
        "rs256-header-hmac-signature",
        lambda c: {"client_assertion": _hs({"alg": "RS256", "typ": "JWT"}, c.claims(), MARKER_SECRET.encode())},
    ),
    Case("rs256-real-rsa-key", lambda c: {"client_assertion": jwt.encode(c.claims(), _RSA, algorithm="RS256")}),
    Case("empty-key", lambda c: {"client_assertion": _hs({"alg": "HS256", "typ": "JWT"}, c.claims(), b"")}),
    Case(
        "payload-tampered-after-signing",
        lambda c: {
            "client_assertion": ".".join(
                [
                    c.signed().split(".")[0],
                    _b64(json.dumps(c.claims(exp=c.now + 900)).encode()),
                    c.signed().split(".")[2],
                ]
            )
        },
    ),
    Case("signature-stripped", lambda c: {"client_assertion": c.signed().rsplit(".", 1)[0] + "."}),
    Case("exp-missing", lambda c: {"client_assertion": c.signed(exp=None)}),
    Case("exp-past", lambda c: {"client_assertion": c.signed(exp=c.now - 5)}),
    Case("exp-over-one-hour", lambda c: {"client_assertion": c.signed(exp=c.now + 3700)}),
    Case("exp-a-string", lambda c: {"client_assertion": c.signed(exp=str(c.now + 300))}),
    Case("exp-in-milliseconds", lambda c: {"client_assertion": c.signed(exp=(c.now + 300) * 1000)}),
    Case("nbf-future", lambda c: {"client_assertion": c.signed(nbf=c.now + 120)}),
    Case("aud-wrong", lambda c: {"client_assertion": c.signed(aud="https://auth.pingone.com/x/as/token")}),
    Case("aud-missing", lambda c: {"client_assertion": c.signed(aud=None)}),
    Case(
        "aud-other-scheme",
        lambda c: {"client_assertion": c.signed(aud=c.sandbox.token_endpoint.replace("http://", "https://"))},
    ),
    Case("aud-trailing-slash", lambda c: {"client_assertion": c.signed(aud=c.sandbox.token_endpoint + "/")}),
    Case("aud-authorize-endpoint", lambda c: {"client_assertion": c.signed(aud=c.sandbox.issuer_url + "/authorize")}),
    Case("aud-path-only", lambda c: {"client_assertion": c.signed(aud=f"/{c.sandbox.env_id}/as/token")}),
    Case("iss-not-client-id", lambda c: {"client_assertion": c.signed(iss="someone-else")}),
    Case("sub-not-client-id", lambda c: {"client_assertion": c.signed(sub="someone-else")}),
    Case("iss-missing", lambda c: {"client_assertion": c.signed(iss=None)}),
    Case("iss-and-sub-unknown-app", lambda c: {"client_assertion": c.signed(iss="nobody", sub="nobody")}),
    Case("malformed-two-parts", lambda c: {"client_assertion": "not.a-jwt"}),
    Case("malformed-empty", lambda c: {"client_assertion": ""}),
    Case("malformed-not-base64", lambda c: {"client_assertion": "@@@.###.$$$"}),
    Case("malformed-payload-not-json", lambda c: {"client_assertion": f"{_b64(b'{}')}.{_b64(b'hello')}.{_b64(b'x')}"}),
    Case("malformed-payload-a-list", lambda c: {"client_assertion": f"{_b64(b'{}')}.{_b64(b'[1]')}.{_b64(b'x')}"}),
    Case(
        "assertion-type-wrong",
        lambda c: {"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"},
    ),
    Case("assertion-type-missing", lambda c: {"client_assertion_type": None}),
    Case("assertion-missing-type-present", lambda c: {"client_assertion": None}),
    Case("two-methods-jwt-and-post", lambda c: {"client_secret": MARKER_SECRET, "client_id": c.sandbox.client_id}),
    Case("two-methods-jwt-and-basic", lambda c: {}, lambda c: _basic(c.sandbox.client_id, MARKER_SECRET)),
    Case(
        "basic-for-a-jwt-app",
        lambda c: {"client_assertion": None, "client_assertion_type": None},
        lambda c: _basic(c.sandbox.client_id, MARKER_SECRET),
    ),
    Case(
        "post-secret-for-a-jwt-app",
        lambda c: {
            "client_assertion": None,
            "client_assertion_type": None,
            "client_id": c.sandbox.client_id,
            "client_secret": MARKER_SECRET,
        },
    ),
    Case("another-apps-secret", lambda c: {"client_assertion": c.signed(key=OTHER_APP_SECRET)}),
    Case(
        "another-apps-identity-our-secret",
        lambda c: {"client_assertion": c.signed(iss=OTHER_APP_ID, sub=OTHER_APP_ID), "client_id": OTHER_APP_ID},
    ),
    Case("client-id-disagrees-with-iss", lambda c: {"client_id": OTHER_APP_ID}),
    Case("bearer-header-instead", lambda c: {}, lambda c: {"Authorization": f"Bearer {c.signed()}"}),
    # Issue 16 #6: lenient checks — an unknown crit, a signature spelled non-canonically, white space around.
    Case(
        "crit-unknown-extension",
        lambda c: {"client_assertion": jwt.encode(c.claims(), MARKER_SECRET, headers={"crit": ["exp"]})},
    ),
    Case(
        "crit-empty-list", lambda c: {"client_assertion": jwt.encode(c.claims(), MARKER_SECRET, headers={"crit": []})}
    ),
    Case(
        "crit-not-a-list",
        lambda c: {"client_assertion": jwt.encode(c.claims(), MARKER_SECRET, headers={"crit": "b64"})},
    ),
    Case("signature-non-canonical", lambda c: {"client_assertion": _non_canonical(c.signed())}),
    Case("signature-padded", lambda c: {"client_assertion": c.signed() + "="}),
    Case("white-space-leading", lambda c: {"client_assertion": " " + c.signed()}),
    Case("white-space-trailing-newline", lambda c: {"client_assertion": c.signed() + "\n"}),
    Case("white-space-tab", lambda c: {"client_assertion": "\t" + c.signed()}),
    # Issue 16 #4: JSON nested past any real header or claim set.
    Case(
        "payload-nested-deep",
        lambda c: {"client_assertion": _hs({"alg": "HS256"}, {"x": _deep(40)}, MARKER_SECRET.encode())},
    ),
    Case(
        "header-nested-deep",
        lambda c: {"client_assertion": _hs({"alg": "HS256", "x": _deep(40)}, c.claims(), MARKER_SECRET.encode())},
    ),
    Case(
        "payload-nested-past-the-parser",
        lambda c: {"client_assertion": f"{_b64(b'{}')}.{_b64(b'[' * 5000 + b']' * 5000)}.{_b64(b'x')}"},
    ),
]


def _fresh_code(client: PingOneClient) -> tuple[str, str | None]:
    request = client.authorization_request()
    return client.sign_on(request).code, request.code_verifier


def _form(sandbox: Sandbox, code: str, verifier: str | None, ctx: Ctx) -> dict[str, str]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": sandbox.redirect_uri,
        "client_assertion": ctx.signed(),
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
    }
    if verifier:
        form["code_verifier"] = verifier
    return form


def _post(sandbox: Sandbox, form: dict[str, str], headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(sandbox.token_endpoint, data=form, headers=headers or {}, timeout=10)


def test_the_control_request_succeeds(rsandbox: Sandbox, rclient: PingOneClient) -> None:
    """The unbroken request gets tokens — so each refusal below is caused by its one change."""
    code, verifier = _fresh_code(rclient)
    before = len(rsandbox.issuer.tokens)
    r = _post(rsandbox, _form(rsandbox, code, verifier, Ctx(rsandbox, int(time.time()))))
    assert r.status_code == 200, r.text
    assert len(rsandbox.issuer.tokens) > before


@pytest.mark.parametrize("case", BAD_ASSERTIONS, ids=[c.id for c in BAD_ASSERTIONS])
def test_broken_client_authentication_is_refused_and_issues_nothing(
    rsandbox: Sandbox, rclient: PingOneClient, case: Case
) -> None:
    code, verifier = _fresh_code(rclient)
    ctx = Ctx(rsandbox, int(time.time()))
    form = _form(rsandbox, code, verifier, ctx)
    for key, value in case.form(ctx).items():
        if value is None:
            form.pop(key, None)
        else:
            form[key] = value
    before = dict(rsandbox.issuer.tokens)
    r = _post(rsandbox, form, case.headers(ctx))
    assert r.status_code == 401, r.text
    body = r.json()
    assert body["error"] == "invalid_client", body
    assert "Correlation ID:" in body["error_description"]
    assert set(body) == {"error", "error_description"}  # no token field rides along with the error
    assert rsandbox.issuer.tokens == before  # nothing minted, nothing revoked
    for secret in (MARKER_SECRET, OTHER_APP_SECRET):
        assert secret not in r.text
    # The code was not burned by a request that failed client authentication: the right client can still use it.
    good = _post(rsandbox, _form(rsandbox, code, verifier, ctx))
    assert good.status_code == 200, good.text


def test_at_least_fifteen_kinds_are_tried() -> None:
    FIGURES["kinds of broken client assertion tried"] = len(BAD_ASSERTIONS)
    assert len(BAD_ASSERTIONS) >= 15
    assert len({c.id for c in BAD_ASSERTIONS}) == len(BAD_ASSERTIONS)


# -- code misuse → invalid_grant --------------------------------------------------------------------------------
def _other_client(sandbox: Sandbox) -> PingOneClient:
    return PingOneClient(sandbox_settings(sandbox, client_id=OTHER_APP_ID, client_secret=OTHER_APP_SECRET))


def _misuse_reuse(sb: Sandbox, client: PingOneClient, code: str, verifier: str | None, ctx: Ctx) -> requests.Response:
    first = _post(sb, _form(sb, code, verifier, ctx))
    assert first.status_code == 200
    return _post(sb, _form(sb, code, verifier, ctx))


def _misuse_expired_fault(
    sb: Sandbox, client: PingOneClient, code: str, verifier: str | None, ctx: Ctx
) -> requests.Response:
    sb.faults.inject("expired_code")
    return _post(sb, _form(sb, code, verifier, ctx))


def _misuse_expired_clock(
    sb: Sandbox, client: PingOneClient, code: str, verifier: str | None, ctx: Ctx
) -> requests.Response:
    sb.issuer.clock_offset = 61  # CODE_LIFETIME is 60 s; the assertion (exp +300 s) is still valid
    try:
        return _post(sb, _form(sb, code, verifier, ctx))
    finally:
        sb.issuer.clock_offset = 0


def _misuse_other_client(
    sb: Sandbox, client: PingOneClient, code: str, verifier: str | None, ctx: Ctx
) -> requests.Response:
    form = _form(sb, code, verifier, ctx)
    form["client_assertion"] = ctx.signed(key=OTHER_APP_SECRET, iss=OTHER_APP_ID, sub=OTHER_APP_ID)
    return _post(sb, form)


def _misuse_redirect(
    sb: Sandbox, client: PingOneClient, code: str, verifier: str | None, ctx: Ctx
) -> requests.Response:
    form = _form(sb, code, verifier, ctx)
    form["redirect_uri"] = "https://app.example.com/other"
    return _post(sb, form)


def _misuse_redirect_missing(
    sb: Sandbox, client: PingOneClient, code: str, verifier: str | None, ctx: Ctx
) -> requests.Response:
    form = _form(sb, code, verifier, ctx)
    del form["redirect_uri"]
    return _post(sb, form)


def _misuse_pkce_wrong(
    sb: Sandbox, client: PingOneClient, code: str, verifier: str | None, ctx: Ctx
) -> requests.Response:
    form = _form(sb, code, verifier, ctx)
    form["code_verifier"] = "x" * 64
    return _post(sb, form)


def _misuse_pkce_missing(
    sb: Sandbox, client: PingOneClient, code: str, verifier: str | None, ctx: Ctx
) -> requests.Response:
    form = _form(sb, code, verifier, ctx)
    del form["code_verifier"]
    return _post(sb, form)


def _misuse_unknown_code(
    sb: Sandbox, client: PingOneClient, code: str, verifier: str | None, ctx: Ctx
) -> requests.Response:
    form = _form(sb, code, verifier, ctx)
    form["code"] = code[::-1]
    return _post(sb, form)


def _misuse_pkce_form(bad: Callable[[str], str]) -> Callable[..., requests.Response]:
    """RFC 7636 §4.1: a verifier of the wrong length or alphabet (issue 16 #6)."""

    def misuse(sb: Sandbox, client: PingOneClient, code: str, verifier: str | None, ctx: Ctx) -> requests.Response:
        form = _form(sb, code, verifier, ctx)
        form["code_verifier"] = bad(str(verifier))
        return _post(sb, form)

    return misuse


CODE_MISUSE: dict[str, Callable[..., requests.Response]] = {
    "pkce-verifier-42-chars": _misuse_pkce_form(lambda v: v[:42]),
    "pkce-verifier-129-chars": _misuse_pkce_form(lambda v: (v * 3)[:129]),
    "pkce-verifier-reserved-char": _misuse_pkce_form(lambda v: v[:-1] + "!"),
    "pkce-verifier-space": _misuse_pkce_form(lambda v: v[:-1] + " "),
    "pkce-verifier-non-ascii": _misuse_pkce_form(lambda v: v[:-1] + "é"),
    "code-reused": _misuse_reuse,
    "code-expired-fault": _misuse_expired_fault,
    "code-expired-clock": _misuse_expired_clock,
    "code-of-another-client": _misuse_other_client,
    "redirect-uri-different": _misuse_redirect,
    "redirect-uri-missing": _misuse_redirect_missing,
    "pkce-verifier-wrong": _misuse_pkce_wrong,
    "pkce-verifier-missing": _misuse_pkce_missing,
    "code-unknown": _misuse_unknown_code,
}


@pytest.mark.parametrize("kind", sorted(CODE_MISUSE))
def test_code_misuse_is_invalid_grant_and_issues_nothing(rsandbox: Sandbox, rclient: PingOneClient, kind: str) -> None:
    code, verifier = _fresh_code(rclient)
    ctx = Ctx(rsandbox, int(time.time()))
    tokens_before = {k for k, v in rsandbox.issuer.tokens.items() if v.get("active")}
    r = CODE_MISUSE[kind](rsandbox, rclient, code, verifier, ctx)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_grant", r.text
    active_after = {k for k, v in rsandbox.issuer.tokens.items() if v.get("active")}
    if kind == "code-reused":
        # RFC 6749 §4.1.2: the tokens from the first redemption are revoked, not just the second refused.
        assert active_after <= tokens_before
    else:
        assert active_after == tokens_before


def test_pkce_verifier_sent_without_a_challenge(rsandbox: Sandbox, rclient: PingOneClient) -> None:
    request = rclient.authorization_request(pkce=False)
    code = rclient.sign_on(request).code
    ctx = Ctx(rsandbox, int(time.time()))
    r = _post(rsandbox, _form(rsandbox, code, "v" * 64, ctx))
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text


def test_figures_code_misuse() -> None:
    FIGURES["kinds of code misuse tried"] = len(CODE_MISUSE) + 1


# -- issue 16: the classes of attack, not only the reported cases ------------------------------------------------
# Each table below is one class; the regression test per finding is in test_issue16_findings.py.

# 2. The fault switch: every way a page (or DNS rebinding) might reach it is refused, and nothing is armed.
ADMIN_ATTACKS: dict[str, tuple[dict[str, str], str, int]] = {
    # id: (headers beyond the right token, body, expected status) — "TOKEN" is replaced by the real token
    "no-token-json": ({"X-Sandbox-Token": ""}, '{"fault": "server_error"}', 401),
    "wrong-token": ({"X-Sandbox-Token": "guess"}, '{"fault": "server_error"}', 401),
    "token-as-bearer": ({"X-Sandbox-Token": "", "Authorization": "Bearer TOKEN"}, '{"fault": "server_error"}', 401),
    "text-plain": ({"Content-Type": "text/plain"}, '{"fault": "server_error"}', 415),
    "form-encoded": ({"Content-Type": "application/x-www-form-urlencoded"}, '{"fault": "server_error"}', 415),
    "multipart": ({"Content-Type": "multipart/form-data; boundary=x"}, '{"fault": "server_error"}', 415),
    "host-rebound": ({"Host": "rebound.example"}, '{"fault": "server_error"}', 403),
    "host-loopback-lookalike": ({"Host": "127.0.0.1.rebound.example"}, '{"fault": "server_error"}', 403),
    "host-localhost-suffix": ({"Host": "localhost.rebound.example:80"}, '{"fault": "server_error"}', 403),
    "host-any-address": ({"Host": "0.0.0.0"}, '{"fault": "server_error"}', 403),
    "host-ipv6-other": ({"Host": "[::2]:80"}, '{"fault": "server_error"}', 403),
    "delay-over-30": ({}, '{"fault": "slow", "delay": 31}', 400),
    "delay-negative": ({}, '{"fault": "slow", "delay": -1}', 400),
    "delay-nan": ({}, '{"fault": "slow", "delay": NaN}', 400),
    "delay-infinite": ({}, '{"fault": "slow", "delay": Infinity}', 400),
    "delay-huge": ({}, '{"fault": "slow", "delay": 1e308}', 400),
    "delay-a-string": ({}, '{"fault": "slow", "delay": "5"}', 400),
    "count-over-100": ({}, '{"fault": "slow", "count": 101}', 400),
    "count-zero": ({}, '{"fault": "slow", "count": 0}', 400),
    "count-a-bool": ({}, '{"fault": "slow", "count": true}', 400),
    "count-huge": ({}, '{"fault": "slow", "count": 1e400}', 400),
    "body-nested": ({}, "[" * 30000 + "]" * 30000, 400),
    "body-a-list": ({}, '["server_error"]', 400),
}


@pytest.mark.parametrize("kind", sorted(ADMIN_ATTACKS))
def test_fault_switch_attack_is_refused_and_arms_nothing(rsandbox: Sandbox, kind: str) -> None:
    extra, body, status = ADMIN_ATTACKS[kind]
    headers = {"X-Sandbox-Token": rsandbox.admin_token, "Content-Type": "application/json"}
    headers.update({k: v.replace("TOKEN", rsandbox.admin_token) for k, v in extra.items()})
    r = requests.post(f"{rsandbox.base_url}/__sandbox/faults", data=body, headers=headers, timeout=10)
    assert r.status_code == status, r.text
    assert set(r.json()) >= {"id", "code", "message"}  # PingOne's platform error shape
    assert rsandbox.faults.armed == []


# 3. Bearer imposters: anything but the whole, verified access token is refused at userinfo and introspect.
def _imposters(access: str, refresh: str, id_token: str) -> dict[str, str]:
    header, payload, _sig = access.split(".")
    jti = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]
    return {
        "jti": jti,
        "jti-upper-case": jti.upper(),
        "jti-with-spaces": f" {jti} ",
        "signature-stripped": f"{header}.{payload}.",
        "signature-of-another-token": f"{header}.{payload}.{id_token.split('.')[2]}",
        "header-and-payload-only": f"{header}.{payload}",
        "id-token": id_token,
        "refresh-token-at-userinfo": refresh,
    }


def test_bearer_imposters_are_refused(rsandbox: Sandbox, rclient: PingOneClient) -> None:
    tokens = rclient.exchange_code(rclient.sign_on(rclient.authorization_request(scope="openid offline_access")))
    body = tokens.body
    assert isinstance(body, dict)
    access, refresh, id_token = body["access_token"], str(body.get("refresh_token", "")), body["id_token"]
    userinfo = f"{rsandbox.issuer_url}/userinfo"
    assert requests.get(userinfo, headers={"Authorization": f"Bearer {access}"}, timeout=10).status_code == 200
    tried = 0
    for kind, fake in _imposters(access, refresh, id_token).items():
        if not fake.strip():
            continue
        tried += 1
        r = requests.get(userinfo, headers={"Authorization": f"Bearer {fake}"}, timeout=10)
        assert r.status_code == 401, kind
        if kind != "refresh-token-at-userinfo":  # introspection may describe a refresh token: it is one
            assert rclient.introspect(fake) == {"active": False}, kind
    FIGURES["bearer imposters tried"] = tried


# 4. Nested JSON at every family of endpoint that parses JSON: a 400 in that family's shape, never a 500.
def test_nested_json_everywhere_is_a_400(rsandbox: Sandbox, rclient: PingOneClient) -> None:
    worker = requests.post(
        rsandbox.token_endpoint,
        data={"grant_type": "client_credentials"},
        auth=(rsandbox.worker_id, rsandbox.worker_secret.reveal()),
        timeout=10,
    ).json()["access_token"]
    flow = requests.get(rclient.authorization_request(response_mode="pi.flow").url, timeout=10).json()["id"]
    api = f"{rsandbox.api_path}/environments/{rsandbox.env_id}"
    targets = {
        "flows": (
            f"{rsandbox.base_url}/{rsandbox.env_id}/flows/{flow}",
            {"Content-Type": "application/vnd.pingidentity.usernamePassword.check+json"},
        ),
        "management-create": (f"{api}/applications", {"Authorization": f"Bearer {worker}"}),
        "management-users": (f"{api}/users", {"Authorization": f"Bearer {worker}"}),
        "admin": (f"{rsandbox.base_url}/__sandbox/faults", {"X-Sandbox-Token": rsandbox.admin_token}),
    }
    bodies = {
        "arrays": "[" * 30000 + "]" * 30000,
        "objects": '{"a":' * 10000 + "1" + "}" * 10000,
        "in-a-field": '{"username": ' + "[" * 30000 + "]" * 30000 + ', "password": "x"}',
    }
    for name, (url, headers) in targets.items():
        for shape, body in bodies.items():
            r = requests.post(url, data=body, headers={"Content-Type": "application/json", **headers}, timeout=10)
            assert r.status_code in (400, 415), (name, shape, r.status_code, r.text[:200])
            assert r.json().get("code") in ("INVALID_DATA", "INVALID_REQUEST"), (name, shape, r.text[:200])
    assert rsandbox.faults.armed == []


# 5. Code binding: another client can neither consume, burn nor revoke through a victim's code.
def test_code_binding_neighbours(rsandbox: Sandbox, rclient: PingOneClient) -> None:
    ctx = Ctx(rsandbox, int(time.time()))

    def as_other(form: dict[str, str]) -> dict[str, str]:
        return {**form, "client_assertion": ctx.signed(key=OTHER_APP_SECRET, iss=OTHER_APP_ID, sub=OTHER_APP_ID)}

    # (a) B tries A's unused code three times, with and without the verifier: A's exchange still works.
    code, verifier = _fresh_code(rclient)
    for form in (_form(rsandbox, code, verifier, ctx), _form(rsandbox, code, None, ctx)):
        for _ in range(3):
            r = _post(rsandbox, as_other(form))
            assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    first = _post(rsandbox, _form(rsandbox, code, verifier, ctx))
    assert first.status_code == 200
    # (b) B replays A's redeemed code: A's tokens stay live.
    for _ in range(3):
        assert _post(rsandbox, as_other(_form(rsandbox, code, verifier, ctx))).status_code == 400
    assert rclient.introspect(first.json()["access_token"])["active"] is True
    # (c) B revoking A's access token is silently ignored (RFC 7009 §2.1).
    other = _other_client(rsandbox)
    other.revoke(first.json()["access_token"])
    assert rclient.introspect(first.json()["access_token"])["active"] is True


# 6. Duplicate parameters at /authorize: each one refused, as the token endpoint refuses them.
@pytest.mark.parametrize(
    "param", ["client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "prompt"]
)
def test_duplicate_authorize_parameter_is_refused(rsandbox: Sandbox, param: str) -> None:
    params = [
        ("response_type", "code"),
        ("client_id", rsandbox.client_id),
        ("redirect_uri", rsandbox.redirect_uri),
        ("scope", "openid"),
        ("state", "s1"),
        ("nonce", "n1"),
        ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
        ("code_challenge_method", "S256"),
        ("prompt", "login"),
    ]
    first = dict(params)[param]
    params.append((param, first if param != "redirect_uri" else "https://evil.example/cb"))
    r = requests.get(f"{rsandbox.issuer_url}/authorize", params=params, allow_redirects=False, timeout=10)
    assert r.status_code == 400, r.text
    assert r.json()["details"][0]["target"] == param
    # POSTed (form) authorize requests too.
    r = requests.post(f"{rsandbox.issuer_url}/authorize", data=params, allow_redirects=False, timeout=10)
    assert r.status_code == 400, r.text


# 1. A .env planted anywhere, or saying something the environment already said.
DOTENV_ATTACKS: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    # id: (where the .env is, relative to the working directory "proj/work"; its lines; the environment)
    "parent-folder": ("..", {"PINGONE_AUTH_PATH": "https://evil.example"}, {"PINGONE_ENV_ID": "E"}),
    "grandparent-folder": ("../..", {"PINGONE_AUTH_PATH": "https://evil.example"}, {"PINGONE_ENV_ID": "E"}),
    "parent-downgrade": ("..", {"PINGONE_AUTH_METHOD": "client_secret_post"}, {"PINGONE_ENV_ID": "E"}),
    "auth-path-vs-env-region": (
        ".",
        {"PINGONE_AUTH_PATH": "https://evil.example"},
        {"PINGONE_ENV_ID": "E", "PINGONE_REGION": "EU"},
    ),
    "issuer-vs-env-region": (
        ".",
        {"PINGONE_ISSUER": "https://evil.example/as"},
        {"PINGONE_ENV_ID": "E", "PINGONE_REGION": "EU"},
    ),
    "custom-domain-vs-env-region": (
        ".",
        {"PINGONE_CUSTOM_DOMAIN": "evil.example"},
        {"PINGONE_ENV_ID": "E", "PINGONE_REGION": "EU"},
    ),
    "api-path-vs-env-region": (
        ".",
        {"PINGONE_API_PATH": "https://evil.example/v1"},
        {"PINGONE_ENV_ID": "E", "PINGONE_REGION": "EU"},
    ),
    "region-vs-env-auth-path": (
        ".",
        {"PINGONE_REGION": "AU"},
        {"PINGONE_ENV_ID": "E", "PINGONE_AUTH_PATH": "https://auth.pingone.eu"},
    ),
}
_ENV_ID = "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c"
_FILE_SECRET = "TEST-ONLY-" + "f" * 60


@pytest.mark.parametrize("kind", sorted(DOTENV_ATTACKS))
def test_planted_or_conflicting_dotenv_never_moves_the_secret(kind: str, tmp_path: Any, monkeypatch: Any) -> None:
    from pinghelpers import Settings

    where, lines, environ = DOTENV_ATTACKS[kind]
    work = tmp_path / "proj" / "work"
    work.mkdir(parents=True)
    (work / where / ".env").resolve().write_text("".join(f"{k}={v}\n" for k, v in lines.items()))
    monkeypatch.chdir(work)
    env = {**{k: (_ENV_ID if v == "E" else v) for k, v in environ.items()}, "PINGONE_CLIENT_ID": "app"}
    s = Settings.from_env({**env, "PINGONE_CLIENT_SECRET": _FILE_SECRET})
    assert s is not None
    assert s.auth_method == "client_secret_jwt"
    ep = s.endpoints()
    assert "evil" not in ep.token_endpoint and "evil" not in str(ep.api_path)
    expected = "https://auth.pingone.eu" if env.get("PINGONE_REGION") == "EU" or "AUTH_PATH" in str(environ) else None
    if expected:
        assert ep.token_endpoint.startswith(expected), ep.token_endpoint


@pytest.mark.parametrize("method", ["client_secret_post", "client_secret_basic", "none", "CLIENT_SECRET_POST"])
def test_file_only_downgrade_to_a_weaker_method_is_refused(method: str, tmp_path: Any, monkeypatch: Any) -> None:
    from pinghelpers import ConfigurationError, Settings

    (tmp_path / ".env").write_text(f"PINGONE_AUTH_METHOD={method}\n")
    monkeypatch.chdir(tmp_path)
    env = {"PINGONE_ENV_ID": _ENV_ID, "PINGONE_CLIENT_ID": "app", "PINGONE_CLIENT_SECRET": _FILE_SECRET}
    with pytest.raises(ConfigurationError, match="weaker than client_secret_jwt"):
        Settings.from_env(env)
    assert Settings.from_env(env, auth_method=method) is not None  # said in code: the caller's choice


@pytest.mark.parametrize("method", ["client_secret_jwt", "private_key_jwt"])
def test_file_may_choose_an_equally_strong_method(method: str, tmp_path: Any, monkeypatch: Any) -> None:
    from pinghelpers import Settings

    (tmp_path / ".env").write_text(f"PINGONE_AUTH_METHOD={method}\n")
    monkeypatch.chdir(tmp_path)
    s = Settings.from_env({"PINGONE_ENV_ID": _ENV_ID, "PINGONE_CLIENT_ID": "app"})
    assert s is not None and s.auth_method == method


# 7. Misspelled secret flags: argparse's error never repeats the value.
@pytest.mark.parametrize(
    "argv",
    [
        ["token", "--code", "x", "--client_secret=VALUE"],
        ["token", "--code", "x", "--clientsecret", "VALUE"],
        ["token", "--code", "x", "--client-secrets=VALUE"],
        ["login", "--passwd=VALUE"],
        ["login", "--pass", "VALUE"],
        ["assertion", "--key=VALUE", "--client-id", "x", "--audience", "https://a.example/as/token"],
        ["inspect", "x", "--secret_env=VALUE"],
        ["sandbox", "--worker-secret", "VALUE"],
    ],
)
def test_misspelled_flag_value_is_never_echoed(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from pinghelpers.cli import main

    value = "TEST-ONLY-echo-canary-0123456789abcdef"
    argv = [a.replace("VALUE", value) for a in argv]
    with pytest.raises(SystemExit):
        main(argv)
    captured = capsys.readouterr()
    assert value not in captured.err + captured.out


# 8. Discovery: no endpoint off this machine over anything but https.
@pytest.mark.parametrize(
    "key",
    [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "userinfo_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
        "end_session_endpoint",
        "pushed_authorization_request_endpoint",
    ],
)
@pytest.mark.parametrize(
    "url", ["http://idp.example.com/x", "ftp://idp.example.com/x", "//idp.example.com/x", "http://10.0.0.1/x"]
)
def test_discovery_endpoint_not_https_off_loopback_is_refused(key: str, url: str) -> None:
    from pinghelpers.endpoints import Endpoints
    from pinghelpers.errors import InvalidResponse

    doc = {
        k: f"https://idp.example.com/{k}"
        for k in (
            "authorization_endpoint",
            "token_endpoint",
            "jwks_uri",
            "userinfo_endpoint",
            "introspection_endpoint",
            "revocation_endpoint",
            "end_session_endpoint",
            "pushed_authorization_request_endpoint",
        )
    }
    doc["issuer"] = "https://idp.example.com"
    doc[key] = url
    with pytest.raises(InvalidResponse, match=key):
        Endpoints.from_discovery_document(doc)
