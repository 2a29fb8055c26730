"""build_client_assertion: the seed's header and PingOne's required claims."""

from __future__ import annotations

import base64
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pinghelpers import (
    AssertionBuildError,
    Secret,
    TokenValidationError,
    build_client_assertion,
    build_private_key_assertion,
    check_assertion,
    hmac_walkthrough,
)

SECRET = "s" * 64
AUD = "https://auth.pingone.com/3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c/as/token"


def test_header_is_the_seeds_typ_then_alg() -> None:
    a = build_client_assertion("cid", SECRET, AUD, now=1_000_000)
    assert jwt.get_unverified_header(a.token) == {"typ": "JWT", "alg": "HS256"}
    # The header JSON keeps the seed's order: typ first.
    import base64

    raw = base64.urlsafe_b64decode(a.parts[0] + "==").decode()
    assert raw.index('"typ"') < raw.index('"alg"')


def test_claims_iss_sub_aud_exp_and_nothing_else_by_default() -> None:
    a = build_client_assertion("cid", Secret(SECRET), AUD, now=1_000_000, lifetime=300)
    claims = jwt.decode(a.token, SECRET, algorithms=["HS256"], audience=AUD, options={"verify_exp": False})
    assert claims == {"iss": "cid", "sub": "cid", "aud": AUD, "exp": 1_000_300}


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_each_hmac_algorithm_verifies_with_the_secret(alg: str) -> None:
    a = build_client_assertion("cid", SECRET, AUD, algorithm=alg)
    assert jwt.decode(a.token, SECRET, algorithms=[alg], audience=AUD)["iss"] == "cid"


def test_optional_claims_jti_iat_nbf_extra() -> None:
    a = build_client_assertion(
        "cid",
        SECRET,
        AUD,
        now=10,
        jti="abc",
        include_iat=True,
        not_before=5,
        extra_claims={"purpose": "lesson"},
    )
    assert {k: a.claims[k] for k in ("jti", "iat", "nbf", "purpose")} == {
        "jti": "abc",
        "iat": 10,
        "nbf": 5,
        "purpose": "lesson",
    }


def test_lifetime_over_one_hour_is_refused_with_the_rule() -> None:
    with pytest.raises(AssertionBuildError) as info:
        build_client_assertion("cid", SECRET, AUD, lifetime=3601)
    assert "one hour" in str(info.value) and info.value.fix


def test_lifetime_over_one_hour_allowed_when_not_enforcing() -> None:
    a = build_client_assertion("cid", SECRET, AUD, lifetime=7200, now=0, enforce_pingone=False)
    assert a.claims["exp"] == 7200


@pytest.mark.parametrize("alg", ["RS256", "none", "HS1"])
def test_non_hmac_algorithms_are_refused(alg: str) -> None:
    with pytest.raises(AssertionBuildError, match="not allowed"):
        build_client_assertion("cid", SECRET, AUD, algorithm=alg)


def test_short_secret_for_hs512_is_refused_and_secret_not_in_message() -> None:
    short = "k" * 40
    with pytest.raises(AssertionBuildError) as info:
        build_client_assertion("cid", short, AUD, algorithm="HS512")
    assert short not in str(info.value)
    assert "64 bytes" in str(info.value)


def test_audience_must_be_a_full_url() -> None:
    with pytest.raises(AssertionBuildError, match="full URL"):
        build_client_assertion("cid", SECRET, "auth.pingone.com/x/as/token")


def test_repr_never_shows_the_token_or_secret() -> None:
    a = build_client_assertion("cid", SECRET, AUD)
    assert a.token not in repr(a) and SECRET not in repr(a)


# -- more: injectable clock, RS/ES keys, known vectors, the HMAC walkthrough ------------------------------


def test_clock_is_injectable_and_jti_random_or_given() -> None:
    a = build_client_assertion("cid", SECRET, AUD, now=1_700_000_000.9, lifetime=60, jti=True, include_iat=True)
    assert a.claims["iat"] == 1_700_000_000 and a.claims["exp"] == 1_700_000_060
    b = build_client_assertion("cid", SECRET, AUD, now=1_700_000_000, jti=True)
    assert a.claims["jti"] != b.claims["jti"] and len(str(a.claims["jti"])) == 36  # a fresh UUID each time
    # Same inputs, same token: the clock and jti are the only sources of change.
    c1 = build_client_assertion("cid", SECRET, AUD, now=5, jti="j")
    c2 = build_client_assertion("cid", SECRET, AUD, now=5, jti="j")
    assert c1.token == c2.token


@pytest.mark.parametrize("lifetime", [0, -1])
def test_non_positive_lifetime_is_refused(lifetime: int) -> None:
    with pytest.raises(AssertionBuildError, match="positive"):
        build_client_assertion("cid", SECRET, AUD, lifetime=lifetime)


def test_exactly_one_hour_is_allowed() -> None:
    assert build_client_assertion("cid", SECRET, AUD, lifetime=3600, now=0).claims["exp"] == 3600


def test_extra_claims_may_not_override_registered_ones() -> None:
    with pytest.raises(AssertionBuildError, match="aud"):
        build_client_assertion("cid", SECRET, AUD, extra_claims={"aud": "https://evil.example/token"})


def test_empty_secret_and_client_id_are_refused() -> None:
    with pytest.raises(AssertionBuildError, match="empty"):
        build_client_assertion("cid", "", AUD)
    with pytest.raises(AssertionBuildError, match="client_id"):
        build_client_assertion("", SECRET, AUD)


@pytest.mark.parametrize(
    ("alg", "make_key"),
    [
        ("RS256", lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("RS512", lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("ES256", lambda: ec.generate_private_key(ec.SECP256R1())),
        ("ES384", lambda: ec.generate_private_key(ec.SECP384R1())),
    ],
)
def test_private_key_jwt_with_rsa_and_ec_keys(alg: str, make_key: Any) -> None:
    key = make_key()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pingone_alg = alg.startswith("RS")
    if not pingone_alg:
        # The builder and the checker agree (rules.PRIVATE_KEY_ALGORITHMS): ES* is refused unless asked for.
        with pytest.raises(AssertionBuildError, match="not allowed for PRIVATE_KEY_JWT") as refused:
            build_private_key_assertion("cid", pem, AUD, algorithm=alg, kid="k1")
        assert refused.value.fix == "use RS256, RS384 or RS512"
    a = build_private_key_assertion(
        "cid", pem, AUD, algorithm=alg, kid="k1", now=time.time(), enforce_pingone=pingone_alg
    )
    assert a.header == {"typ": "JWT", "alg": alg, "kid": "k1"}
    claims = jwt.decode(a.token, key.public_key(), algorithms=[alg], audience=AUD)
    assert claims["iss"] == claims["sub"] == "cid" and "jti" in claims and "iat" in claims
    checklist = check_assertion(
        a.token,
        client_id="cid",
        audiences=[AUD],
        method="PRIVATE_KEY_JWT",
        verify_signature=lambda tok, hdr: bool(jwt.decode(tok, key.public_key(), algorithms=[alg], audience=AUD)),
    )
    if alg.startswith("RS"):
        assert checklist.ok, str(checklist)
    else:
        # PingOne's reference page lists RS256/384/512 only for PRIVATE_KEY_JWT; the checker says so.
        assert checklist.first_failure is not None and checklist.first_failure.rule.id == "alg-allowed"


def test_private_key_jwt_refuses_hmac() -> None:
    with pytest.raises(AssertionBuildError, match="PRIVATE_KEY_JWT"):
        build_private_key_assertion("cid", SECRET, AUD, algorithm="HS256")


# RFC 7515 Appendix A.1 (also RFC 7519 §3.1): the HS256 example, key given as a JWK "k".
RFC7515_A1_TOKEN = (
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)
RFC7515_A1_K = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"


def test_hmac_walkthrough_reproduces_rfc7515_appendix_a1() -> None:
    key = base64.urlsafe_b64decode(RFC7515_A1_K + "==")
    w = hmac_walkthrough(RFC7515_A1_TOKEN, key)
    assert w.algorithm == "HS256" and w.key_bytes == 64
    assert w.signature_b64url == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert w.matches
    # The RFC lists the HMAC output as these octets (Appendix A.1.1).
    assert list(bytes.fromhex(w.digest_hex)) == [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
        22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ]  # fmt: skip


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_walkthrough_equals_pyjwt(alg: str) -> None:
    a = build_client_assertion("cid", SECRET, AUD, algorithm=alg, jti=True, extra_claims={"x": "ü"})
    w = hmac_walkthrough(a.token, Secret(SECRET))
    assert w.matches and w.jwt_signature == a.parts[2]
    assert len(bytes.fromhex(w.digest_hex)) == {"HS256": 32, "HS384": 48, "HS512": 64}[alg]
    assert SECRET not in str(w) and "identical" in str(w)
    wrong = hmac_walkthrough(a.token, "TEST-ONLY-other-secret-" + "x" * 48)
    assert not wrong.matches and "DIFFERENT" in str(wrong)


def test_hmac_walkthrough_refuses_rs256() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode({"a": 1}, key, algorithm="RS256")
    with pytest.raises(TokenValidationError, match="not an HMAC"):
        hmac_walkthrough(token, SECRET)
