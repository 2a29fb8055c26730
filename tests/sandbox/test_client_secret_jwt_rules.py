"""One test per PingOne CLIENT_SECRET_JWT rule, against the running local sandbox (real HTTP on loopback)."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import requests

from pinghelpers import CLIENT_ASSERTION_TYPE, PingOneClient
from pinghelpers.sandbox import Sandbox

from ..conftest import MARKER_SECRET
from .flow import diagnosis, refused


def _fresh_code(client: PingOneClient) -> tuple[str, str | None]:
    request = client.authorization_request()
    return client.sign_on(request).code, request.code_verifier


def _post(
    sandbox: Sandbox,
    client: PingOneClient,
    claims: dict[str, Any] | None = None,
    *,
    key: str = MARKER_SECRET,
    alg: str = "HS256",
    headers: dict[str, Any] | None = None,
    assertion: str | None = None,
    assertion_type: str = CLIENT_ASSERTION_TYPE,
) -> requests.Response:
    code, verifier = _fresh_code(client)
    now = int(time.time())
    base = {
        "iss": sandbox.client_id,
        "sub": sandbox.client_id,
        "aud": sandbox.token_endpoint,
        "exp": now + 300,
    }
    if claims is not None:
        base.update(claims)
        base = {k: v for k, v in base.items() if v is not None}
    token = assertion if assertion is not None else jwt.encode(base, key, algorithm=alg, headers=headers)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": sandbox.redirect_uri,
        "code_verifier": verifier,
        "client_assertion": token,
        "client_assertion_type": assertion_type,
    }
    return requests.post(sandbox.token_endpoint, data=form, timeout=10)


def _refused(response: requests.Response, rule: str) -> None:
    assert response.status_code == 401, response.text
    # The wire says only what PingOne says; the rule broken is in the local sandbox's diagnosis header.
    assert f"rule {rule}" in refused(response, 401, "invalid_client")


def test_valid_assertion_gets_tokens(sandbox: Sandbox, client: PingOneClient) -> None:
    r = _post(sandbox, client)
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "Bearer" and r.json()["access_token"].count(".") == 2


def test_iss_is_client_id(sandbox: Sandbox, client: PingOneClient) -> None:
    _refused(_post(sandbox, client, {"iss": "someone-else"}), "iss-is-client-id")


def test_sub_is_client_id(sandbox: Sandbox, client: PingOneClient) -> None:
    _refused(_post(sandbox, client, {"sub": "someone-else"}), "sub-is-client-id")


@pytest.mark.parametrize("which", ["token", "issuer"])
def test_aud_token_endpoint_or_issuer_accepted(sandbox: Sandbox, client: PingOneClient, which: str) -> None:
    aud = sandbox.token_endpoint if which == "token" else sandbox.issuer_url
    assert _post(sandbox, client, {"aud": aud}).status_code == 200


def test_aud_refusal_lists_the_one_shared_list(sandbox: Sandbox, client: PingOneClient) -> None:
    """The sandbox names the accepted audiences from rules.accepted_audiences — each once, as the client sees them."""
    from pinghelpers.rules import accepted_audiences

    r = _post(sandbox, client, {"aud": sandbox.token_endpoint + "/"})
    _refused(r, "aud-accepted")
    expected = accepted_audiences(sandbox.issuer_url, called=sandbox.token_endpoint)
    assert f"accepted: {', '.join(expected)} (close:" in diagnosis(r)
    assert sandbox.issuer_url not in r.json()["error_description"]  # no accepted-audience list on the wire
    assert expected == (sandbox.token_endpoint, sandbox.issuer_url)


@pytest.mark.parametrize("aud", ["https://auth.pingone.com/x/as/token", "{token}/", "{token_https}"])
def test_aud_accepted(sandbox: Sandbox, client: PingOneClient, aud: str) -> None:
    value = aud.format(token=sandbox.token_endpoint, token_https=sandbox.token_endpoint.replace("http://", "https://"))
    _refused(_post(sandbox, client, {"aud": value}), "aud-accepted")


def test_exp_present(sandbox: Sandbox, client: PingOneClient) -> None:
    _refused(_post(sandbox, client, {"exp": None}), "exp-present")


def test_exp_not_expired(sandbox: Sandbox, client: PingOneClient) -> None:
    _refused(_post(sandbox, client, {"exp": int(time.time()) - 5}), "exp-not-expired")


def test_exp_within_one_hour(sandbox: Sandbox, client: PingOneClient) -> None:
    _refused(_post(sandbox, client, {"exp": int(time.time()) + 3700}), "exp-within-one-hour")


def test_exp_just_under_one_hour_is_accepted(sandbox: Sandbox, client: PingOneClient) -> None:
    assert _post(sandbox, client, {"exp": int(time.time()) + 3590}).status_code == 200


def test_nbf_not_future(sandbox: Sandbox, client: PingOneClient) -> None:
    _refused(_post(sandbox, client, {"nbf": int(time.time()) + 120}), "nbf-not-future")


def test_iat_and_jti_not_validated(sandbox: Sandbox, client: PingOneClient) -> None:
    r = _post(sandbox, client, {"iat": int(time.time()) + 999_999, "jti": "same-every-time"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_alg_allowed_hmac(sandbox: Sandbox, client: PingOneClient, alg: str) -> None:
    assert _post(sandbox, client, alg=alg).status_code == 200


def test_alg_none_refused(sandbox: Sandbox, client: PingOneClient) -> None:
    token = jwt.encode(
        {
            "iss": sandbox.client_id,
            "sub": sandbox.client_id,
            "aud": sandbox.token_endpoint,
            "exp": int(time.time()) + 60,
        },
        None,
        algorithm="none",
    )
    _refused(_post(sandbox, client, assertion=token), "alg-allowed")


def test_signature_with_wrong_secret(sandbox: Sandbox, client: PingOneClient) -> None:
    _refused(_post(sandbox, client, key="w" * 64), "signature")


def test_assertion_type(sandbox: Sandbox, client: PingOneClient) -> None:
    _refused(
        _post(sandbox, client, assertion_type="urn:ietf:params:oauth:client-assertion-type:saml2-bearer"),
        "assertion-type",
    )


def test_compact_jws(sandbox: Sandbox, client: PingOneClient) -> None:
    _refused(_post(sandbox, client, assertion="not.a-jwt"), "compact-jws")


def test_error_description_never_contains_the_secret(sandbox: Sandbox, client: PingOneClient) -> None:
    r = _post(sandbox, client, key="w" * 64)
    assert MARKER_SECRET not in r.text
    assert MARKER_SECRET not in str(r.headers)  # nor in the local sandbox's diagnosis header
