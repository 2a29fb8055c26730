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


CODE_MISUSE: dict[str, Callable[..., requests.Response]] = {
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
