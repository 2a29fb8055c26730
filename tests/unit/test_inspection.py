"""Inspection: decode (explicitly unverified), verify with a secret or a JWKS, validate ID tokens (OIDC Core
§3.1.3.7 incl. nonce and at_hash), readable relative times."""

from __future__ import annotations

from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from pinghelpers import (
    PingOneClient,
    TokenResponse,
    TokenValidationError,
    build_client_assertion,
    decode_unverified,
    inspect_jwt,
    verify_with_jwks,
    verify_with_secret,
)
from pinghelpers.inspection import at_hash, describe_time, validate_id_token
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import Sandbox

from ..conftest import MARKER_SECRET

AUD = "https://auth.pingone.com/3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c/as/token"


@pytest.fixture(scope="module")
def flow(sandbox: Sandbox) -> Iterator[tuple[PingOneClient, TokenResponse, str]]:
    with PingOneClient(sandbox_settings(sandbox)) as c:
        request = c.authorization_request()
        tokens = c.exchange_code(c.sign_on(request).code, code_verifier=request.code_verifier)
        yield c, tokens, str(request.nonce)


def test_decode_unverified_says_so_and_refuses_garbage() -> None:
    a = build_client_assertion("cid", MARKER_SECRET, AUD, now=1000)
    d = decode_unverified(a.token)
    assert d.verified is None and "NOT verified" in d.verdict
    assert d.header == {"typ": "JWT", "alg": "HS256"} and d.claims["iss"] == "cid"
    for bad, words in (("abc", "3 dot-separated"), ("a.b.c", "base64url|JSON"), ("e30.e30", "3 dot")):
        with pytest.raises(TokenValidationError, match=words) as info:
            decode_unverified(bad)
        assert info.value.claim == "format"


def test_verify_with_secret_and_every_failure_names_its_claim() -> None:
    a = build_client_assertion("cid", MARKER_SECRET, AUD, lifetime=60, now=1000)
    ok = verify_with_secret(a.token, MARKER_SECRET, audience=AUD, issuer="cid", now=1030)
    assert ok.verified and "aud checked" in ok.verdict
    cases = [
        ({"secret": "TEST-ONLY-other-" + "z" * 40, "now": 1030}, "signature"),
        ({"now": 1061}, "exp"),
        ({"now": 1030, "audience": "https://other/as/token"}, "aud"),
        ({"now": 1030, "issuer": "someone"}, "iss"),
        ({"now": 1030, "algorithms": ("HS512",)}, "alg"),
    ]
    for kwargs, claim in cases:
        secret = kwargs.pop("secret", MARKER_SECRET)
        with pytest.raises(TokenValidationError) as info:
            verify_with_secret(a.token, secret, **kwargs)  # type: ignore[arg-type]
        assert info.value.claim == claim, (kwargs, info.value)
        assert MARKER_SECRET not in str(info.value)


def test_verify_with_jwks_from_the_sandbox(flow: tuple[PingOneClient, TokenResponse, str]) -> None:
    c, tokens, _ = flow
    d = verify_with_jwks(
        str(tokens.id_token), c.endpoints.jwks_uri, audience=c.settings.client_id, issuer=c.endpoints.issuer
    )
    assert d.verified and d.claims["aud"] == c.settings.client_id
    # A token signed by another key with the same kid does not verify.
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(dict(d.claims), other, algorithm="RS256", headers={"kid": d.header["kid"]})
    with pytest.raises(TokenValidationError) as info:
        verify_with_jwks(forged, c.endpoints.jwks_uri)
    assert info.value.claim == "signature"
    unknown = jwt.encode(dict(d.claims), other, algorithm="RS256", headers={"kid": "no-such-kid"})
    with pytest.raises(TokenValidationError) as info:
        verify_with_jwks(unknown, c.endpoints.jwks_uri)
    assert info.value.claim == "kid"
    # inspect_jwt never raises for a bad signature: the verdict says so.
    assert inspect_jwt(forged, jwks_uri=c.endpoints.jwks_uri).verified is False


def test_at_hash_matches_oidc_core_example() -> None:
    # OpenID Connect Core 1.0 Appendix A.3: access token → at_hash.
    assert at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256") == "77QmUPtjPfzWtF2AnpK9RQ"
    assert len(at_hash("x", "RS512")) == 43  # half of 64 bytes, base64url


def test_validate_id_token_passes_every_check(flow: tuple[PingOneClient, TokenResponse, str]) -> None:
    c, tokens, nonce = flow
    report = validate_id_token(
        str(tokens.id_token),
        client_id=str(c.settings.client_id),
        issuer=c.endpoints.issuer,
        nonce=nonce,
        access_token=tokens.access_token,
        jwks_uri=c.endpoints.jwks_uri,
    )
    assert report.ok, str(report)
    assert [i.claim for i in report.items] == ["alg", "signature", "iss", "aud", "exp", "iat", "nonce", "at_hash"]
    assert all(i.passed for i in report.items)
    assert "(in 59m" in report.times()["exp"] or "(in 1h" in report.times()["exp"]
    assert report.raise_for_failure() is report
    assert "the ID token is valid" in str(report) and "<table>" in report._repr_html_()


@pytest.mark.parametrize(
    ("change", "claim"),
    [
        ({"nonce": "replayed"}, "nonce"),
        ({"issuer": "https://auth.pingone.com/other/as"}, "iss"),
        ({"client_id": "another-app"}, "aud"),
        ({"access_token": "a-different-access-token"}, "at_hash"),
        ({"now_offset": 7200}, "exp"),
        ({"now_offset": -600}, "iat"),
        ({"algorithms": ("ES256",)}, "alg"),
    ],
)
def test_validate_id_token_fails_exactly_the_broken_check(
    flow: tuple[PingOneClient, TokenResponse, str], change: dict[str, object], claim: str
) -> None:
    import time

    c, tokens, nonce = flow
    kwargs: dict[str, object] = {
        "client_id": str(c.settings.client_id),
        "issuer": c.endpoints.issuer,
        "nonce": nonce,
        "access_token": tokens.access_token,
        "jwks_uri": c.endpoints.jwks_uri,
    }
    offset = change.pop("now_offset", 0)
    kwargs.update(change)
    report = validate_id_token(str(tokens.id_token), now=time.time() + float(str(offset)), **kwargs)  # type: ignore[arg-type]
    failed = [i.claim for i in report.failures]
    assert failed[0] == claim or (claim == "alg" and failed == ["alg", "signature", "at_hash"]), str(report)
    with pytest.raises(TokenValidationError) as info:
        report.raise_for_failure()
    assert info.value.claim == failed[0] and info.value.rule and info.value.rule.startswith("OIDC Core")


def test_validate_id_token_without_keys_skips_the_signature(flow: tuple[PingOneClient, TokenResponse, str]) -> None:
    c, tokens, _ = flow
    report = validate_id_token(str(tokens.id_token), client_id=str(c.settings.client_id), issuer=c.endpoints.issuer)
    assert not report.failures and not report.ok  # issue 16.9: a skipped signature check is never ok
    assert report["signature"].passed is None and report["nonce"].passed is None and report["at_hash"].passed is None


def test_validate_id_token_azp_with_several_audiences() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"iss": "https://i", "sub": "u", "aud": ["app", "api"], "exp": 2000, "iat": 1000}
    token = jwt.encode(claims, key, algorithm="RS256")
    report = validate_id_token(token, client_id="app", issuer="https://i", key=key.public_key(), now=1500)
    assert report["azp"].passed is False and report["signature"].passed is True
    token2 = jwt.encode({**claims, "azp": "app"}, key, algorithm="RS256")
    assert validate_id_token(token2, client_id="app", issuer="https://i", key=key.public_key(), now=1500).ok


def test_describe_time_is_readable_and_relative() -> None:
    assert describe_time(1_767_225_600, now=1_767_225_300) == "2026-01-01 00:00:00 UTC (in 5m00s)"
    assert describe_time(1_767_225_600, now=1_767_229_200) == "2026-01-01 00:00:00 UTC (1h00m ago)"
    assert describe_time(1_767_225_600, now=1_767_225_600) == "2026-01-01 00:00:00 UTC (now)"
    assert describe_time(1_767_225_600, now=1_767_225_590).endswith("(in 10s)")
    assert describe_time("soon") == "'soon'"
    assert "out of range" in describe_time(10**20)
