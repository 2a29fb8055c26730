"""build_client_assertion: the seed's header and PingOne's required claims."""

from __future__ import annotations

import jwt
import pytest

from pinghelpers import AssertionBuildError, Secret, build_client_assertion

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
