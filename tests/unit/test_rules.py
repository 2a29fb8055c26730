"""check_assertion(): one checklist item per PingOne rule, each failing on exactly the input that breaks it."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest

from pinghelpers import RULES, ConfigurationError, Secret, auth_for_method, check_assertion
from pinghelpers.rules import AUTH_METHODS, allowed_algorithms, auth_method

SECRET = "TEST-ONLY-rules-secret-0123456789abcdefghijklmnopqrstuvwxyzABCDE"
CID = "app-1"
TOKEN_URL = "https://auth.pingone.com/3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c/as/token"
ISSUER = TOKEN_URL.rsplit("/", 1)[0]
NOW = 1_800_000_000


def _token(claims: dict[str, Any] | None = None, *, alg: str = "HS256", key: str = SECRET) -> str:
    base: dict[str, Any] = {"iss": CID, "sub": CID, "aud": TOKEN_URL, "exp": NOW + 300}
    base.update(claims or {})
    return jwt.encode({k: v for k, v in base.items() if v is not None}, key, algorithm=alg)


def _check(token: str, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"client_id": CID, "audiences": [TOKEN_URL, ISSUER], "secret": Secret(SECRET), "now": NOW}
    options.update(kwargs)
    return check_assertion(token, **options)


def test_a_good_assertion_passes_every_rule_in_order() -> None:
    checklist = _check(_token())
    assert checklist.ok and checklist.first_failure is None
    assert [i.rule.id for i in checklist.items] == list(RULES)
    assert "PingOne would accept this assertion" in str(checklist)


@pytest.mark.parametrize(
    ("claims", "rule"),
    [
        ({"iss": "other"}, "iss-is-client-id"),
        ({"iss": None}, "iss-is-client-id"),
        ({"sub": "other"}, "sub-is-client-id"),
        ({"aud": TOKEN_URL + "/"}, "aud-accepted"),
        ({"aud": TOKEN_URL.replace("https", "http")}, "aud-accepted"),
        ({"aud": "https://auth.pingone.eu/x/as/token"}, "aud-accepted"),
        ({"exp": None}, "exp-present"),
        ({"exp": "soon"}, "exp-present"),
        ({"exp": NOW - 1}, "exp-not-expired"),
        ({"exp": NOW + 3601}, "exp-within-one-hour"),
        ({"nbf": NOW + 60}, "nbf-not-future"),
    ],
)
def test_each_claim_rule_fails_alone(claims: dict[str, Any], rule: str) -> None:
    checklist = _check(_token(claims))
    assert checklist.first_failure is not None and checklist.first_failure.rule.id == rule, str(checklist)
    assert checklist[rule].passed is False
    assert RULES[rule].fix in str(checklist)


def test_aud_may_be_the_issuer_or_a_list_containing_an_accepted_value() -> None:
    assert _check(_token({"aud": ISSUER})).ok
    assert _check(_token({"aud": ["https://else", TOKEN_URL]})).ok


def test_near_miss_audience_is_pointed_out() -> None:
    item = _check(_token({"aud": TOKEN_URL + "/"}))["aud-accepted"]
    assert "differs only in scheme, case or a trailing slash" in item.detail


def test_exactly_one_hour_and_nbf_now_pass() -> None:
    assert _check(_token({"exp": NOW + 3600, "nbf": NOW})).ok


def test_signature_wrong_secret_and_skipped_without_one() -> None:
    bad = _check(_token(key="TEST-ONLY-other-secret-" + "q" * 44))
    assert bad.first_failure is not None and bad.first_failure.rule.id == "signature"
    skipped = _check(_token(), secret=None)
    assert skipped.ok and skipped["signature"].passed is None and skipped["signature"].status == "skipped"


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_other_hmacs_pass(alg: str) -> None:
    assert _check(_token(alg=alg)).ok


def test_alg_none_and_rs256_are_refused() -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(
        json.dumps({"iss": CID, "sub": CID, "aud": TOKEN_URL, "exp": NOW + 60}).encode()
    ).rstrip(b"=")
    unsigned = f"{header}.{payload.decode()}."
    checklist = _check(unsigned)
    assert checklist["alg-allowed"].passed is False and checklist["signature"].passed is False


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ("a.b", "3 dot-separated parts"),
        ("!!.e30.x", "not base64url"),
        ("bm90anNvbg.e30.", "not JSON"),
        ("W10.e30.", "not an object"),
    ],
)
def test_not_a_compact_jws(token: str, words: str) -> None:
    checklist = _check(token)
    assert [i.rule.id for i in checklist.items] == ["compact-jws"]
    assert words in checklist.items[0].detail


def test_assertion_type_is_checked_when_given() -> None:
    checklist = _check(_token(), assertion_type="urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
    assert checklist.first_failure is not None and checklist.first_failure.rule.id == "assertion-type"


def test_checklist_displays_never_show_the_secret() -> None:
    checklist = _check(_token({"exp": NOW - 5}))
    for text in (str(checklist), repr(checklist), checklist._repr_html_()):
        assert SECRET not in text
    assert "FAIL" in str(checklist) and "exp-not-expired" in repr(checklist)


# -- the names rules.py owns for client and sandbox alike -------------------------------------------------


@pytest.mark.parametrize("spelling", ["CLIENT_SECRET_JWT", "client_secret_jwt", " Client_Secret_JWT "])
def test_an_auth_method_is_found_in_any_spelling(spelling: str) -> None:
    method = auth_method(spelling)
    assert (method.name, method.key, method.label) == ("CLIENT_SECRET_JWT", "client_secret_jwt", "Client Secret JWT")
    assert method.needs_secret and method.algorithms == ("HS256", "HS384", "HS512")


def test_an_unknown_auth_method_names_the_setting_and_the_choices() -> None:
    with pytest.raises(ConfigurationError, match="client_secret_jwt, client_secret_basic") as info:
        auth_method("magic")
    assert info.value.setting == "PINGONE_AUTH_METHOD"


def test_allowed_algorithms_per_method_are_pingones() -> None:
    # PingOne "Create a client secret JWT" / "Create a private key JWT"; no assertion for the other three.
    assert allowed_algorithms("CLIENT_SECRET_JWT") == ("HS256", "HS384", "HS512")
    assert allowed_algorithms("private_key_jwt") == ("RS256", "RS384", "RS512")
    assert [m.name for m in AUTH_METHODS if not allowed_algorithms(m)] == [
        "CLIENT_SECRET_BASIC",
        "CLIENT_SECRET_POST",
        "NONE",
    ]


def test_every_auth_method_has_its_requests_auth_class() -> None:
    # auth_for_method serves exactly the methods rules.py names, in either spelling.
    for method in AUTH_METHODS:
        for spelling in (method.name, method.key):
            auth = auth_for_method(spelling, "cid", SECRET if method.needs_secret else None, private_key="k")
            assert type(auth).method == method.key


def test_the_checklist_reads_the_methods_algorithms_from_the_table() -> None:
    checklist = _check(_token(), method="private_key_jwt")
    assert checklist["alg-allowed"].passed is False
    assert checklist["alg-allowed"].detail == "alg = 'HS256'; PRIVATE_KEY_JWT allows RS256, RS384, RS512"
