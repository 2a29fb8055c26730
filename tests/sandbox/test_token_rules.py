"""One test per rule of PingOne's token endpoint: codes, client authentication methods, grants."""

from __future__ import annotations

import base64
import time
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from pinghelpers import CLIENT_ASSERTION_TYPE
from pinghelpers.sandbox import CODE_LIFETIME, Sandbox

from ..conftest import MARKER_SECRET
from .conftest import (
    BASIC_ID,
    CSJ_ID,
    NO_REPLAY_ID,
    PKJ_ID,
    POST_ID,
    PUBLIC_ID,
    S256_ID,
    SECRETS,
    WORKER_ID,
    FakeClock,
    default_target,
    target,
)
from .flow import Target, code_for, csj_form, exchange, oauth_error, post_form, refused

UNSUPPORTED = "Request denied: Unsupported authentication method (Correlation ID: "


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _code_form(t: Target, code: str, verifier: str) -> dict[str, str]:
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": t.redirect_uri, "code_verifier": verifier}


def _introspect(t: Target, token: str) -> dict[str, Any]:
    r = post_form(f"{t.issuer}/introspect", {"token": token, **csj_form(t, aud=f"{t.issuer}/introspect")})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _pkj_assertion(t: Target, key: rsa.RSAPrivateKey, alg: str = "RS256", kid: str = "pkj-1") -> str:
    claims = {"iss": t.client_id, "sub": t.client_id, "aud": t.token_url, "exp": int(time.time()) + 120}
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


# -- authorization codes ------------------------------------------------------------------------------------
def test_code_exchange_returns_pingone_token_response(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    code, verifier = code_for(t, scope="openid profile email")
    r = exchange(t, code, verifier)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "openid profile email"
    keys = requests.get(f"{t.issuer}/jwks", timeout=10).json()["keys"]
    key = jwt.PyJWK.from_dict(keys[0])
    id_claims = jwt.decode(body["id_token"], key.key, algorithms=["RS256"], audience=t.client_id, issuer=t.issuer)
    assert id_claims["preferred_username"] == "learner" and id_claims["amr"] == ["pwd"]
    assert jwt.get_unverified_header(body["access_token"])["typ"] == "at+jwt"


def test_code_single_use(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    code, verifier = code_for(t)
    assert exchange(t, code, verifier).status_code == 200
    assert "already used" in refused(exchange(t, code, verifier), 400, "invalid_grant")


def test_code_reuse_revokes_tokens(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    code, verifier = code_for(t, scope="openid profile")
    first = exchange(t, code, verifier).json()
    assert _introspect(t, first["access_token"])["active"] is True
    oauth_error(exchange(t, code, verifier), 400, "invalid_grant")
    # RFC 6749 §4.1.2: the tokens already issued from the replayed code are revoked.
    assert _introspect(t, first["access_token"]) == {"active": False}
    assert _introspect(t, first["refresh_token"]) == {"active": False}
    r = requests.get(f"{t.issuer}/userinfo", headers={"Authorization": f"Bearer {first['access_token']}"}, timeout=10)
    assert r.status_code == 401


def test_code_bound_to_client(classroom: Sandbox) -> None:
    issued_to = target(classroom, CSJ_ID)
    other = target(classroom, POST_ID)
    code, verifier = code_for(issued_to)
    form = {**_code_form(other, code, verifier), "client_id": POST_ID, "client_secret": SECRETS[POST_ID]}
    assert "another client" in refused(post_form(other.token_url, form), 400, "invalid_grant")
    # Issue 16 #5: another client's attempt does not burn the code — the client it was issued to still redeems it.
    assert exchange(issued_to, code, verifier).status_code == 200


def test_code_bound_to_redirect_uri(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    code, verifier = code_for(t)
    why = refused(exchange(t, code, verifier, redirect_uri=sandbox.issuer_url), 400, "invalid_grant")
    assert "redirect_uri" in why
    code, verifier = code_for(t)
    oauth_error(exchange(t, code, verifier, redirect_uri=None), 400, "invalid_grant")  # type: ignore[arg-type]


def test_code_bound_to_pkce_challenge(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    code, _ = code_for(t)
    assert "code_verifier" in refused(exchange(t, code, "w" * 43), 400, "invalid_grant")
    code, _ = code_for(t)
    oauth_error(exchange(t, code, None), 400, "invalid_grant")  # challenged, but no verifier
    code, _ = code_for(t)
    # RFC 7636 §4.1: a verifier is 43–128 unreserved ASCII characters; a non-ASCII one is refused by that rule
    # before any comparison (it was a 500 once).
    assert "43 to 128 characters" in refused(exchange(t, code, "é" * 43), 400, "invalid_grant")


def test_code_verifier_without_challenge_refused(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    code, _ = code_for(t, code_challenge=None, code_challenge_method=None)  # type: ignore[arg-type]
    oauth_error(exchange(t, code, "v" * 43), 400, "invalid_grant")


def test_code_lifetime(clocked: Sandbox, clock: FakeClock) -> None:
    t = default_target(clocked)
    code, verifier = code_for(t)
    clock.advance(CODE_LIFETIME - 5)
    assert exchange(t, code, verifier).status_code == 200
    code, verifier = code_for(t)
    clock.advance(CODE_LIFETIME + 1)
    assert "expired" in refused(exchange(t, code, verifier), 400, "invalid_grant")


def test_unknown_code_refused(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    oauth_error(exchange(t, "00000000-0000-4000-8000-000000000000", None), 400, "invalid_grant")


# -- client authentication ----------------------------------------------------------------------------------
def test_unsupported_authentication_method(classroom: Sandbox) -> None:
    csj_app = target(classroom, CSJ_ID)
    code, verifier = code_for(csj_app)
    # Basic credentials against a CLIENT_SECRET_JWT app: PingOne's exact words.
    r = post_form(csj_app.token_url, _code_form(csj_app, code, verifier), headers=_basic(CSJ_ID, MARKER_SECRET))
    assert oauth_error(r, 401, "invalid_client")["error_description"].startswith(UNSUPPORTED)
    # A client assertion against a CLIENT_SECRET_BASIC app, and client_secret_post against Basic.
    basic_app = target(classroom, BASIC_ID)
    form = {"grant_type": "client_credentials", **csj_form(basic_app)}
    assert oauth_error(post_form(basic_app.token_url, form), 401, "invalid_client")["error_description"].startswith(
        UNSUPPORTED
    )
    form = {"grant_type": "client_credentials", "client_id": BASIC_ID, "client_secret": SECRETS[BASIC_ID]}
    assert oauth_error(post_form(basic_app.token_url, form), 401, "invalid_client")["error_description"].startswith(
        UNSUPPORTED
    )
    # No credentials at all for a confidential app.
    form = {"grant_type": "client_credentials", "client_id": BASIC_ID}
    assert oauth_error(post_form(basic_app.token_url, form), 401, "invalid_client")["error_description"].startswith(
        UNSUPPORTED
    )


def test_one_authentication_method_per_request(classroom: Sandbox) -> None:
    t = target(classroom, POST_ID)
    form = {"grant_type": "client_credentials", "client_id": POST_ID, "client_secret": SECRETS[POST_ID]}
    r = post_form(t.token_url, form, headers=_basic(POST_ID, SECRETS[POST_ID]))
    assert "more than one" in refused(r, 401, "invalid_client")


def test_client_secret_basic(classroom: Sandbox) -> None:
    t = target(classroom, BASIC_ID)
    code, verifier = code_for(t)
    assert post_form(t.token_url, _code_form(t, code, verifier), headers=_basic(BASIC_ID, SECRETS[BASIC_ID])).ok
    code, verifier = code_for(t)
    r = post_form(t.token_url, _code_form(t, code, verifier), headers=_basic(BASIC_ID, "x" * 64))
    assert "invalid client credentials" in refused(r, 401, "invalid_client")


def test_client_secret_post(classroom: Sandbox) -> None:
    t = target(classroom, POST_ID)
    code, verifier = code_for(t)
    form = {**_code_form(t, code, verifier), "client_id": POST_ID, "client_secret": SECRETS[POST_ID]}
    assert post_form(t.token_url, form).status_code == 200
    code, verifier = code_for(t)
    form = {**_code_form(t, code, verifier), "client_id": POST_ID, "client_secret": "x" * 64}
    oauth_error(post_form(t.token_url, form), 401, "invalid_client")


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_private_key_jwt(classroom: Sandbox, pkj_key: rsa.RSAPrivateKey, alg: str) -> None:
    t = target(classroom, PKJ_ID)
    code, verifier = code_for(t)
    form = {
        **_code_form(t, code, verifier),
        "client_assertion": _pkj_assertion(t, pkj_key, alg),
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
    }
    r = post_form(t.token_url, form)
    assert r.status_code == 200, r.text


def test_private_key_jwt_signed_by_another_key(classroom: Sandbox) -> None:
    t = target(classroom, PKJ_ID)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    form = {
        "grant_type": "authorization_code",
        "code": "x",
        "redirect_uri": t.redirect_uri,
        "client_assertion": _pkj_assertion(t, stranger),
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
    }
    assert "rule signature" in refused(post_form(t.token_url, form), 401, "invalid_client")


def test_private_key_jwt_refuses_hmac(classroom: Sandbox) -> None:
    t = target(classroom, PKJ_ID)
    claims = {"iss": PKJ_ID, "sub": PKJ_ID, "aud": t.token_url, "exp": int(time.time()) + 60}
    form = {
        "grant_type": "client_credentials",
        "client_assertion": jwt.encode(claims, "k" * 64, algorithm="HS256"),
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
    }
    assert "rule alg-allowed" in refused(post_form(t.token_url, form), 401, "invalid_client")


def test_none_with_pkce(classroom: Sandbox) -> None:
    t = target(classroom, PUBLIC_ID)
    code, verifier = code_for(t)
    form = {**_code_form(t, code, verifier), "client_id": PUBLIC_ID}
    r = post_form(t.token_url, form)
    assert r.status_code == 200, r.text
    code, _ = code_for(t)
    oauth_error(post_form(t.token_url, {**_code_form(t, code, "z" * 43), "client_id": PUBLIC_ID}), 400, "invalid_grant")


# -- grants -----------------------------------------------------------------------------------------------------
def _refresh(t: Target, token: str, **extra: str) -> requests.Response:
    return post_form(t.token_url, {"grant_type": "refresh_token", "refresh_token": token, **csj_form(t), **extra})


def test_refresh_token_rotation(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    code, verifier = code_for(t, scope="openid profile")
    first = exchange(t, code, verifier).json()
    second = _refresh(t, first["refresh_token"])
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"], "every refresh returns a new refresh token"
    assert body["access_token"] != first["access_token"] and body["scope"] == "openid profile"
    assert _refresh(t, body["refresh_token"]).status_code == 200


def test_refresh_token_replay_revokes_family(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    code, verifier = code_for(t)
    first = exchange(t, code, verifier).json()
    second = _refresh(t, first["refresh_token"]).json()
    # PingOne additionalRefreshTokenReplayProtectionEnabled (default true): replaying the rotated token …
    assert "already used" in refused(_refresh(t, first["refresh_token"]), 400, "invalid_grant")
    # … revokes the whole family, including the newest refresh token and its access token.
    oauth_error(_refresh(t, second["refresh_token"]), 400, "invalid_grant")
    assert _introspect(t, second["access_token"]) == {"active": False}


def test_refresh_replay_without_protection_keeps_family(classroom: Sandbox) -> None:
    t = target(classroom, NO_REPLAY_ID)
    code, verifier = code_for(t)
    auth = {"client_id": NO_REPLAY_ID, "client_secret": SECRETS[NO_REPLAY_ID]}
    first = post_form(t.token_url, {**_code_form(t, code, verifier), **auth}).json()
    second = post_form(
        t.token_url, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], **auth}
    ).json()
    replay = post_form(t.token_url, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], **auth})
    oauth_error(replay, 400, "invalid_grant")
    third = post_form(t.token_url, {"grant_type": "refresh_token", "refresh_token": second["refresh_token"], **auth})
    assert third.status_code == 200, "without replay protection the newest token survives a replay"


def test_refresh_scope_cannot_widen(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    code, verifier = code_for(t, scope="openid profile")
    rt = exchange(t, code, verifier).json()["refresh_token"]
    oauth_error(_refresh(t, rt, scope="openid profile email"), 400, "invalid_scope")


def test_refresh_token_bound_to_client(classroom: Sandbox) -> None:
    t = target(classroom, CSJ_ID)
    code, verifier = code_for(t)
    rt = exchange(t, code, verifier).json()["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": rt, "client_id": POST_ID, "client_secret": SECRETS[POST_ID]}
    oauth_error(post_form(t.token_url, form), 400, "invalid_grant")


def test_client_credentials_worker(sandbox: Sandbox) -> None:
    r = requests.post(
        sandbox.token_endpoint,
        data={"grant_type": "client_credentials"},
        auth=(sandbox.worker_id, sandbox.worker_secret.reveal()),
        timeout=10,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert "refresh_token" not in body and "id_token" not in body
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["client_id"] == sandbox.worker_id and "sub" not in claims and claims["aud"] == [sandbox.base_url]


def test_client_credentials_refuses_openid(classroom: Sandbox) -> None:
    t = target(classroom, WORKER_ID)
    r = post_form(
        t.token_url,
        {"grant_type": "client_credentials", "scope": "openid"},
        headers=_basic(WORKER_ID, SECRETS[WORKER_ID]),
    )
    oauth_error(r, 400, "invalid_scope")


def test_grant_types_per_app(classroom: Sandbox) -> None:
    # A web app without CLIENT_CREDENTIALS, an S256 app without REFRESH_TOKEN, a worker without AUTHORIZATION_CODE.
    csj_app = target(classroom, CSJ_ID)
    oauth_error(
        post_form(csj_app.token_url, {"grant_type": "client_credentials", **csj_form(csj_app)}),
        400,
        "unauthorized_client",
    )
    s256 = target(classroom, S256_ID)
    code, verifier = code_for(s256, scope="openid offline_access")
    body = exchange(s256, code, verifier).json()
    assert "refresh_token" not in body
    oauth_error(_refresh(s256, "anything"), 400, "unauthorized_client")
    worker = target(classroom, WORKER_ID)
    r = post_form(
        worker.token_url,
        {"grant_type": "authorization_code", "code": "x"},
        headers=_basic(WORKER_ID, SECRETS[WORKER_ID]),
    )
    oauth_error(r, 400, "unauthorized_client")


def test_unsupported_grant_type(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    oauth_error(post_form(t.token_url, {"grant_type": "password", **csj_form(t)}), 400, "unsupported_grant_type")
    oauth_error(post_form(t.token_url, csj_form(t)), 400, "invalid_request")


def test_parameters_not_repeated(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    body = "grant_type=client_credentials&grant_type=authorization_code"
    r = requests.post(t.token_url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert "more than once" in refused(r, 400, "invalid_request")


def test_token_request_form_encoded(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    r = requests.post(t.token_url, json={"grant_type": "client_credentials"}, timeout=10)
    oauth_error(r, 400, "invalid_request")


def test_secret_never_in_error_text(classroom: Sandbox) -> None:
    t = target(classroom, POST_ID)
    form = {"grant_type": "client_credentials", "client_id": POST_ID, "client_secret": SECRETS[POST_ID] + "x"}
    r = post_form(t.token_url, form)
    assert SECRETS[POST_ID] not in r.text and MARKER_SECRET not in r.text
