"""The issuer builds its RS256 tokens itself (a speed choice): they must equal PyJWT's, byte for byte."""

from __future__ import annotations

import datetime
from typing import Any

import jwt
import pytest

from pinghelpers.sandbox.issuer import Issuer, SigningKey

CLAIMS: dict[str, Any] = {
    "client_id": "a0000000-0000-4000-8000-000000000001",
    "iss": "http://127.0.0.1:1/env/as",
    "jti": "7d1c0b3e-0000-4000-8000-000000000000",
    "iat": 1_764_000_000,
    "exp": 1_764_003_600,
    "aud": ["http://127.0.0.1:1"],
    "name": "Zoë Ünïcode",  # non-ASCII: PyJWT's JSON escapes it; so must the issuer
    "amr": ["pwd"],
    "auth_time": None,
    "p1.region": "NA",
}


@pytest.mark.parametrize("typ", [None, "", "JWT", "at+jwt"])
def test_sign_equals_pyjwt(signing_key: SigningKey, typ: str | None) -> None:
    issuer = Issuer(signing_key=signing_key)
    headers: dict[str, Any] = {"kid": signing_key.kid}
    if typ:
        headers["typ"] = typ
    expected = jwt.encode(CLAIMS, signing_key.private_key, algorithm="RS256", headers=headers)
    assert issuer.sign(CLAIMS, typ=typ) == expected
    assert issuer.sign(CLAIMS, typ=typ) == expected  # second call: the cached header segment
    assert issuer.verify(expected, verify_exp=False) == CLAIMS


def test_sign_keeps_pyjwt_behaviour_for_datetimes_and_bad_iss(signing_key: SigningKey) -> None:
    issuer = Issuer(signing_key=signing_key)
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    claims = {"sub": "x", "exp": when}
    expected = jwt.encode(claims, signing_key.private_key, algorithm="RS256", headers={"kid": signing_key.kid})
    assert issuer.sign(claims) == expected
    assert jwt.decode(expected, signing_key.public_key, algorithms=["RS256"], options={"verify_exp": False})[
        "exp"
    ] == int(when.timestamp())
    with pytest.raises(TypeError):
        issuer.sign({"iss": 42})
