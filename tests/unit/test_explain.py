"""explain(): a PingOne error plus its context → ranked causes with fixes; errors parsed from both shapes."""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import Any

import pytest
import requests

from pinghelpers import (
    OAuthError,
    PingOneClient,
    PlatformError,
    TokenValidationError,
    build_client_assertion,
    explain,
)
from pinghelpers.errors import DIAGNOSIS_HEADER
from pinghelpers.http import error_from_response
from pinghelpers.local import sandbox_settings
from pinghelpers.rules import RULES
from pinghelpers.sandbox import Sandbox

from ..conftest import MARKER_SECRET

TOKEN_URL = "https://auth.pingone.com/3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c/as/token"


def _response(status: int, body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = body
    r.headers.update({"Content-Type": "application/json", **(headers or {})})
    r.url = TOKEN_URL
    return r


def test_both_error_shapes_are_parsed() -> None:
    oauth = error_from_response(
        _response(
            401,
            b'{"error":"invalid_client","error_description":"Request denied: Unsupported authentication method '
            b'(Correlation ID: 0a1b2c3d-0000-4000-8000-000000000000)"}',
        )
    )
    assert isinstance(oauth, OAuthError) and oauth.error == "invalid_client"
    assert oauth.correlation_id == "0a1b2c3d-0000-4000-8000-000000000000" and oauth.status == 401
    platform = error_from_response(
        _response(
            400,
            b'{"id":"6c796712-0f16-4062-815a-e0a92f4a2143","code":"INVALID_DATA","message":"The request could not be'
            b' completed. One or more validation errors were in the request.","details":[{"code":"INVALID_VALUE",'
            b'"target":"password","message":"wrong password"}]}',
        )
    )
    assert isinstance(platform, PlatformError) and platform.code == "INVALID_DATA"
    assert platform.correlation_id == "6c796712-0f16-4062-815a-e0a92f4a2143"
    assert platform.details[0]["target"] == "password" and "INVALID_VALUE (password)" in str(platform)
    other = error_from_response(_response(502, b"<html>bad gateway</html>", {"Content-Type": "text/html"}))
    assert other.status == 502 and "not a PingOne error" in str(other)


def _oauth(error: str, description: str, headers: dict[str, str] | None = None) -> OAuthError:
    r = _response(401 if error == "invalid_client" else 400, b"{}", headers)
    return OAuthError(error, description, status=r.status_code, response=r)


def test_wrong_auth_method() -> None:
    e = explain(_oauth("invalid_client", "Request denied: Unsupported authentication method (Correlation ID: x)"))
    assert e.top is not None and "authentication method" in e.top.cause and e.top.likelihood > 0.9


@pytest.mark.parametrize(
    ("assertion_kwargs", "rule"),
    [
        ({"audience": "https://auth.pingone.com/3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c/as/token/"}, "aud-accepted"),
        ({"now": time.time() - 3600}, "exp-not-expired"),
        ({"lifetime": 7200, "enforce_pingone": False}, "exp-within-one-hour"),
        ({"client_id": "someone-else"}, "iss-is-client-id"),
        ({"secret": "TEST-ONLY-rotated-secret-" + "r" * 40}, "signature"),
        ({"algorithm": "HS512"}, None),  # allowed: nothing to blame on the assertion
    ],
)
def test_the_assertion_sent_pins_the_rule(assertion_kwargs: dict[str, Any], rule: str | None) -> None:
    kwargs: dict[str, Any] = {"client_id": "app", "secret": MARKER_SECRET, "audience": TOKEN_URL}
    kwargs.update(assertion_kwargs)
    a = build_client_assertion(kwargs.pop("client_id"), kwargs.pop("secret"), kwargs.pop("audience"), **kwargs)
    e = explain(
        _oauth("invalid_client", "Request denied (Correlation ID: x)"),
        assertion=a.token,
        client_id="app",
        audiences=[TOKEN_URL, TOKEN_URL.rsplit("/", 1)[0]],
        secret=MARKER_SECRET,
    )
    assert e.top is not None
    if rule is None:
        # Every rule passes with the secret we have, so PingOne must hold another one (rotated) or the app
        # expects another method.
        assert "rotated" in e.top.cause and "another one" in e.top.evidence
    else:
        # The cause is the rule in words (its internal id is not shown to a learner).
        assert e.top.cause == RULES[rule].text or (rule == "signature" and "secret" in e.top.cause), str(e)
        assert f"rule {rule}" not in str(e) and "%" not in str(e)
    assert MARKER_SECRET not in str(e)


def test_the_sandbox_diagnosis_header_is_used_but_not_needed() -> None:
    header = {DIAGNOSIS_HEADER: "rule=aud-accepted; detail=aud%20is%20not%20accepted%3B%20close%20%E2%80%94"}
    hinted = explain(_oauth("invalid_client", "Request denied: Client authentication failed", header))
    assert hinted.top is not None and "aud" in hinted.top.cause and hinted.top.likelihood > 0.9
    assert "local sandbox's diagnosis" in hinted.top.evidence and "close —" in hinted.top.evidence
    # A rule named only in the text (as the sandbox once did) is not trusted: only the header counts.
    unhinted = explain(_oauth("invalid_client", "Request denied: Invalid client assertion — x [rule aud-accepted]"))
    assert unhinted.top is not None and unhinted.top.likelihood < 0.9
    plain = explain(_oauth("invalid_client", "Request denied (Correlation ID: x)"))
    assert plain.top is not None and "secret" in plain.top.cause  # real PingOne says less: ranked guesses
    assert len(plain.causes) >= 5


def test_clock_skew_from_the_date_header() -> None:
    ahead = formatdate(time.time() + 7200, usegmt=True)
    e = explain(_oauth("invalid_client", "Request denied", {"Date": ahead}))
    assert e.top is not None and "clock" in e.top.cause and "ahead" in e.top.evidence
    in_sync = explain(_oauth("invalid_client", "Request denied", {"Date": formatdate(time.time(), usegmt=True)}))
    assert in_sync.top is not None and "clock" not in in_sync.top.cause


@pytest.mark.parametrize(
    ("description", "words"),
    [
        ("The authorization code was already used; tokens issued from it are revoked", "already used"),
        ("The authorization code has expired", "expired"),
        ("redirect_uri does not match the authorization request", "redirect_uri"),
        ("PKCE code_verifier does not match", "PKCE"),
    ],
)
def test_invalid_grant_ranks_by_the_description(description: str, words: str) -> None:
    e = explain(_oauth("invalid_grant", description))
    assert e.top is not None and words in e.top.cause


def test_platform_errors_redirect_and_password_and_expired_flow() -> None:
    redirect = PlatformError(
        "INVALID_DATA",
        "The request could not be completed.",
        status=400,
        details=[{"code": "INVALID_VALUE", "target": "redirect_uri", "message": "not registered"}],
    )
    top = explain(redirect).top
    assert top is not None and "redirect_uri" in top.cause
    password = PlatformError("INVALID_DATA", "x", status=400, details=[{"target": "password", "code": "INVALID_VALUE"}])
    top = explain(password).top
    assert top is not None and "password" in top.cause
    gone = PlatformError("NOT_FOUND", "The requested resource was not found.", status=404)
    top = explain(gone).top
    assert top is not None and "expired" in top.cause


def test_token_validation_errors_and_generic_errors() -> None:
    e = explain(TokenValidationError("expired", claim="exp", fix="get a new token"))
    assert e.top is not None and e.top.fix == "get a new token"
    assert any("clock" in c.cause for c in e.causes)
    plain = explain(ValueError("boom"))
    assert plain.top is not None and plain.top.cause == "ValueError"


def test_explanations_against_the_sandbox_faults(sandbox: Sandbox) -> None:
    # Each one-shot fault makes the next token request fail for one reason; explain() must rank it first.
    expected = {"wrong_audience": "aud", "rotated_secret": "secret", "clock_skew": "clock"}
    for fault, words in expected.items():
        with PingOneClient(sandbox_settings(sandbox)) as c:
            request = c.authorization_request()
            code = c.sign_on(request).code
            sandbox.faults.inject(fault)
            result = c.exchange_code(code, code_verifier=request.code_verifier, check=False)
            assert result.status == 401, fault
            explanation = c.explain(result)
        assert explanation.top is not None and words in explanation.top.cause, (fault, str(explanation))
        assert str(explanation).count("\n") >= 2


def test_configuration_errors_name_the_setting() -> None:
    from pinghelpers import ConfigurationError, Settings

    try:
        Settings(env_id="not-a-uuid")
    except ConfigurationError as exc:
        e = explain(exc)
    assert e.top is not None and "PINGONE_ENV_ID" in e.top.cause and "admin console" in e.top.fix
