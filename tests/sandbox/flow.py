"""Raw-HTTP steps of PingOne's flow, for the sandbox rule tests.

Deliberately not ``PingOneClient``: these tests pin the *server's* behaviour, so every request is spelled out
with ``requests`` exactly as PingOne's Postman workflow sends it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests

from pinghelpers import CLIENT_ASSERTION_TYPE
from pinghelpers.errors import DIAGNOSIS_HEADER, SandboxDiagnosis
from pinghelpers.sandbox.errors import OAUTH_TEXTS, UNSUPPORTED_AUTH

USERNAME_PASSWORD_CHECK = "application/vnd.pingidentity.usernamePassword.check+json"
PASSWORD = "Sandbox-Passw0rd!"


@dataclass
class Target:
    """Where a flow runs: base URL, environment, and the app (id, secret, redirect URI)."""

    base: str
    env_id: str
    client_id: str
    secret: str | None
    redirect_uri: str

    @property
    def issuer(self) -> str:
        return f"{self.base}/{self.env_id}/as"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token"

    def flow_url(self, flow_id: str) -> str:
        return f"{self.base}/{self.env_id}/flows/{flow_id}"


def pkce() -> tuple[str, str]:
    """(verifier, S256 challenge) — RFC 7636 §4.1/§4.2."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def fragment(location: str) -> dict[str, str]:
    """The parameters in a redirect's fragment (``#…``: implicit and hybrid answers, RFC 6749 §4.2.2)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}


def authorize(t: Target, s: requests.Session, **params: str) -> requests.Response:
    base = {"client_id": t.client_id, "response_type": "code", "redirect_uri": t.redirect_uri, "scope": "openid"}
    base.update(params)
    clean = {k: v for k, v in base.items() if v is not None}
    return s.get(f"{t.issuer}/authorize", params=clean, allow_redirects=False, timeout=10)


def start_flow(t: Target, s: requests.Session, **params: str) -> str:
    """Authorize with response_mode=pi.flow; return the flow id."""
    r = authorize(t, s, response_mode="pi.flow", **params)
    assert r.status_code == 200, r.text
    flow_id: str = r.json()["id"]
    return flow_id


def check_password(
    t: Target, s: requests.Session, flow_id: str, username: str = "learner", password: str = PASSWORD
) -> requests.Response:
    return s.post(
        t.flow_url(flow_id),
        json={"username": username, "password": password},
        headers={"Content-Type": USERNAME_PASSWORD_CHECK},
        timeout=10,
    )


def code_for(
    t: Target,
    s: requests.Session | None = None,
    *,
    username: str = "learner",
    password: str = PASSWORD,
    **params: str,
) -> tuple[str, str]:
    """Run authorize (pi.flow) → usernamePassword.check → resume; return (code, PKCE verifier)."""
    s = s or requests.Session()
    verifier, challenge = pkce()
    params.setdefault("code_challenge", challenge)
    params.setdefault("code_challenge_method", "S256")
    flow_id = start_flow(t, s, **params)
    r = check_password(t, s, flow_id, username, password)
    assert r.status_code == 200 and r.json()["status"] == "COMPLETED", r.text
    r = s.get(f"{t.issuer}/resume", params={"flowId": flow_id}, timeout=10)
    assert r.status_code == 200, r.text
    code: str = r.json()["authorizeResponse"]["code"]
    return code, verifier


def csj(t: Target, *, aud: str | None = None, secret: str | None = None, **claims: Any) -> str:
    """A CLIENT_SECRET_JWT assertion for ``t`` (HS256, exp now + 300 s)."""
    body: dict[str, Any] = {
        "iss": t.client_id,
        "sub": t.client_id,
        "aud": aud or t.token_url,
        "exp": int(time.time()) + 300,
    }
    body.update(claims)
    key = secret or t.secret
    assert key is not None
    return jwt.encode(body, key, algorithm="HS256")


def csj_form(t: Target, **claims: Any) -> dict[str, str]:
    return {"client_assertion": csj(t, **claims), "client_assertion_type": CLIENT_ASSERTION_TYPE}


def post_form(url: str, form: dict[str, str], **kwargs: Any) -> requests.Response:
    return requests.post(url, data=form, timeout=10, **kwargs)


def exchange(t: Target, code: str, verifier: str | None, **extra: str) -> requests.Response:
    """The authorization_code token request with a CSJ assertion."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": t.redirect_uri, **csj_form(t)}
    if verifier:
        form["code_verifier"] = verifier
    form.update(extra)
    form = {k: v for k, v in form.items() if v is not None}
    return post_form(t.token_url, form)


# The wire texts PingOne sends (or the sandbox's terse neutral ones), then " (Correlation ID: <uuid>)".
_TERSE = re.compile(
    "^(" + "|".join(re.escape(t) for t in (*OAUTH_TEXTS.values(), UNSUPPORTED_AUTH)) + r") \(Correlation ID: "
    r"[0-9a-f-]{36}\)$"
)


def oauth_error(r: requests.Response, status: int, error: str) -> dict[str, Any]:
    """Assert PingOne's OAuth error shape: a terse ``error_description`` (no rule, no accepted values) with a
    correlation id; return the body."""
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["error"] == error, body
    assert _TERSE.match(body["error_description"]), body
    assert "access_token" not in body
    return body


def diagnosis(r: requests.Response) -> str:
    """The local sandbox's own diagnosis (its ``X-Local-Sandbox-Diagnosis`` header), as one line:
    ``[rule <id>, fault <name>] <detail>``. It is never in the body."""
    found = SandboxDiagnosis.parse(r.headers.get(DIAGNOSIS_HEADER))
    assert found is not None, dict(r.headers)
    assert not found.detail or found.detail not in r.text, "the diagnosis must not be on the wire"
    return str(found)


def refused(r: requests.Response, status: int, error: str) -> str:
    """:func:`oauth_error`'s checks, then the sandbox's diagnosis of the refusal."""
    oauth_error(r, status, error)
    return diagnosis(r)


def platform_error(r: requests.Response, status: int, code: str) -> dict[str, Any]:
    """Assert PingOne's platform error shape (id = correlation id); return the body."""
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["code"] == code, body
    assert body["id"] and body["message"], body
    assert r.headers["Correlation-Id"] == body["id"]
    return body
