"""PingOneClient against the local sandbox (real HTTP on loopback), and against servers that fail on purpose."""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pinghelpers import (
    ClientSecretBasic,
    ClientSecretJWT,
    ClientSecretPost,
    ConfigurationError,
    ConnectionFailed,
    OAuthError,
    PingOneClient,
    PrivateKeyJWT,
    RequestTimedOut,
    Secret,
    Settings,
    SignOnError,
    code_from,
    pkce_pair,
)
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import Sandbox
from pinghelpers.sandbox.state import App

from ..conftest import MARKER_SECRET

ENV = "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c"


def test_authorization_request_has_state_nonce_and_pkce_s256(client: PingOneClient) -> None:
    request = client.authorization_request(state="s1", nonce="n1", code_verifier="v" * 43)
    query = parse_qs(urlsplit(request.url).query)
    assert urlsplit(request.url)._replace(query="").geturl() == client.endpoints.authorization_endpoint
    assert query["response_type"] == ["code"] and query["state"] == ["s1"] and query["nonce"] == ["n1"]
    assert query["code_challenge_method"] == ["S256"]
    # RFC 7636 §4.2: challenge = base64url(sha256(verifier)) without padding.
    expected = base64.urlsafe_b64encode(hashlib.sha256(b"v" * 43).digest()).rstrip(b"=").decode()
    assert query["code_challenge"] == [expected]
    # Random values differ per request.
    a, b = client.authorization_request(), client.authorization_request()
    assert len({a.state, b.state}) == 2 and len({a.nonce, b.nonce}) == 2 and a.code_verifier != b.code_verifier


def test_rfc7636_appendix_b_vector() -> None:
    _verifier, challenge = pkce_pair("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    assert challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_the_whole_flow_then_userinfo_introspect_refresh_revoke(sandbox: Sandbox, client: PingOneClient) -> None:
    # workbook:read — the local sandbox's custom resource: only its tokens can be revoked (PingOne's rule).
    request = client.authorization_request(scope="openid profile email workbook:read")
    result = client.sign_on(request)
    assert result.state == request.state
    tokens = client.exchange_code(result.code, code_verifier=request.code_verifier)
    assert tokens.ok and tokens.status == 200
    assert tokens.access_token and tokens.id_token and tokens.refresh_token
    assert set(tokens.decoded) == {"access_token", "id_token"}
    assert tokens.assertion is not None and tokens.assertion.claims["aud"] == sandbox.token_endpoint
    # The snippet shows the request with the assertion's signature masked.
    curl = tokens.request.curl() if tokens.request else ""
    assert "client_assertion=" in curl and tokens.assertion.parts[2] not in curl

    info = client.userinfo(str(tokens.access_token))
    assert info["sub"] == tokens.decoded["id_token"].claims["sub"]

    # Introspection is authenticated like the token endpoint; the assertion's aud is the introspect URL
    # (the endpoint actually called), which PingOne accepts.
    auth = client.auth
    assert isinstance(auth, ClientSecretJWT)
    assert client.introspect(str(tokens.access_token), auth=auth)["active"] is True
    assert auth.last_assertion is not None
    assert auth.last_assertion.claims["aud"] == client.endpoints.introspection_endpoint

    refreshed = client.refresh(str(tokens.refresh_token))
    assert refreshed.ok and refreshed.access_token != tokens.access_token

    assert client.revoke(str(refreshed.access_token)) == 200
    assert client.introspect(str(refreshed.access_token))["active"] is False


def test_a_pasted_redirect_url_is_accepted_as_the_code(client: PingOneClient) -> None:
    request = client.authorization_request()
    result = client.sign_on(request)
    assert result.redirect_url and result.redirect_url.startswith(str(client.settings.redirect_uri))
    tokens = client.exchange_code(
        result.redirect_url, code_verifier=request.code_verifier, expected_state=request.state
    )
    assert tokens.ok


def test_code_from_checks_state_and_errors() -> None:
    assert code_from("  abc ") == "abc"
    assert code_from("https://app/cb?code=c1&state=s") == "c1"
    assert code_from("https://app/cb?code=c1&state=s", expected_state="s") == "c1"
    with pytest.raises(SignOnError, match="state"):
        code_from("https://app/cb?code=c1&state=evil", expected_state="s")
    with pytest.raises(SignOnError, match="access_denied"):
        code_from("https://app/cb?error=access_denied&error_description=no&state=s")
    with pytest.raises(SignOnError, match="no code"):
        code_from("https://app/cb?state=s")
    with pytest.raises(SignOnError):
        code_from("")


def test_a_reused_code_is_refused_and_explained(client: PingOneClient) -> None:
    request = client.authorization_request()
    code = client.sign_on(request).code
    assert client.exchange_code(code, code_verifier=request.code_verifier).ok
    again = client.exchange_code(code, code_verifier=request.code_verifier, check=False)
    assert again.status == 400 and again.error is not None and isinstance(again.error, OAuthError)
    assert again.error.error == "invalid_grant"
    top = client.explain(again).top
    assert top is not None and "already used" in top.cause
    with pytest.raises(OAuthError) as info:
        again.raise_for_error()
    assert info.value.fix and MARKER_SECRET not in str(info.value)


def test_wrong_password_is_a_sign_on_error(client: PingOneClient) -> None:
    with pytest.raises(SignOnError, match="sign-on failed") as info:
        client.sign_on(client.authorization_request(), password="TEST-ONLY-wrong-password")
    assert "password" in (info.value.fix or "")


def test_wrong_secret_is_explained_with_the_signature_rule(sandbox: Sandbox) -> None:
    settings = sandbox_settings(sandbox, client_secret="TEST-ONLY-not-the-secret-" + "y" * 40)
    with PingOneClient(settings) as c:
        request = c.authorization_request()
        code = c.sign_on(request).code
        result = c.exchange_code(code, code_verifier=request.code_verifier, check=False)
    assert result.status == 401 and result.error is not None
    explanation = c.explain(result)
    assert explanation.top is not None and "secret" in explanation.top.cause
    assert "not-the-secret" not in str(explanation)


def test_timeout_on_every_call_is_configurable(settings: Settings) -> None:
    with PingOneClient(settings, timeout=3.5) as c:
        assert c.timeout == 3.5


# -- the four client authentication methods, each against an app configured for it --------------------------


@pytest.fixture(scope="module")
def multi_sandbox() -> Iterator[tuple[Sandbox, Any]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    public.update(kid="test-key-1", use="sig", alg="RS256")
    with Sandbox(client_secret=MARKER_SECRET) as sb:
        env = sb.issuer.environments[sb.env_id]
        for app_id, method in (
            ("11111111-1111-4111-8111-111111111111", "CLIENT_SECRET_BASIC"),
            ("22222222-2222-4222-8222-222222222222", "CLIENT_SECRET_POST"),
            ("33333333-3333-4333-8333-333333333333", "PRIVATE_KEY_JWT"),
        ):
            env.apps[app_id] = App(
                id=app_id,
                name=method,
                secret=Secret(MARKER_SECRET),
                token_endpoint_auth_method=method,
                jwks={"keys": [public]} if method == "PRIVATE_KEY_JWT" else None,
            )
        yield sb, key


@pytest.mark.parametrize(
    ("app_id", "method"),
    [
        ("9d7b3c1e-2f4a-4b6c-8d0e-1a2b3c4d5e6f", "client_secret_jwt"),
        ("11111111-1111-4111-8111-111111111111", "client_secret_basic"),
        ("22222222-2222-4222-8222-222222222222", "client_secret_post"),
        ("33333333-3333-4333-8333-333333333333", "private_key_jwt"),
    ],
)
def test_each_auth_method_exchanges_a_code(multi_sandbox: tuple[Sandbox, Any], app_id: str, method: str) -> None:
    sb, key = multi_sandbox
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    settings = sandbox_settings(sb, client_id=app_id, auth_method=method)
    with PingOneClient(settings, private_key=pem, kid="test-key-1") as c:
        expected = {
            "client_secret_jwt": ClientSecretJWT,
            "client_secret_basic": ClientSecretBasic,
            "client_secret_post": ClientSecretPost,
            "private_key_jwt": PrivateKeyJWT,
        }[method]
        assert isinstance(c.auth, expected)
        request = c.authorization_request()
        code = c.sign_on(request).code
        tokens = c.exchange_code(code, code_verifier=request.code_verifier)
        assert tokens.ok and tokens.decoded["id_token"].claims["aud"] == app_id
        assert c.introspect(str(tokens.access_token))["active"] is True


def test_basic_against_a_jwt_app_is_unsupported_method(multi_sandbox: tuple[Sandbox, Any]) -> None:
    sb, _ = multi_sandbox
    with PingOneClient(sandbox_settings(sb)) as c:
        request = c.authorization_request()
        code = c.sign_on(request).code
        result = c.exchange_code(
            code,
            code_verifier=request.code_verifier,
            auth=ClientSecretBasic(sb.client_id, MARKER_SECRET),
            check=False,
        )
    assert result.status == 401 and "Unsupported authentication method" in str(result.error)
    top = c.explain(result).top
    assert top is not None and "authentication method" in top.cause


def test_auth_classes_put_exactly_their_method_on_the_wire() -> None:
    def prepared(auth: Any) -> requests.PreparedRequest:
        return requests.Request("POST", "https://x.example/as/token", data={"grant_type": "g"}, auth=auth).prepare()

    # RFC 6749 §2.3.1: id and secret are form-urlencoded before base64 (":" → %3A, " " → %20, "/" → %2F).
    basic = prepared(ClientSecretBasic("id:1", "p w/+"))
    raw = base64.b64decode(basic.headers["Authorization"].split()[1]).decode()
    assert raw == "id%3A1:p%20w%2F%2B"
    post = parse_qs(str(prepared(ClientSecretPost("id", "sec")).body))
    assert post == {"grant_type": ["g"], "client_id": ["id"], "client_secret": ["sec"]}
    csj = parse_qs(str(prepared(ClientSecretJWT("id", MARKER_SECRET, now=lambda: 1000.0)).body))
    assert csj["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    claims = jwt.decode(
        csj["client_assertion"][0],
        MARKER_SECRET,
        algorithms=["HS256"],
        options={"verify_exp": False},
        audience="https://x.example/as/token",
    )
    assert claims == {"iss": "id", "sub": "id", "aud": "https://x.example/as/token", "exp": 1300}
    for auth in (
        ClientSecretBasic("i", MARKER_SECRET),
        ClientSecretPost("i", MARKER_SECRET),
        ClientSecretJWT("i", MARKER_SECRET),
    ):
        assert MARKER_SECRET not in repr(auth)


def test_missing_secret_is_a_configuration_error(sandbox: Sandbox) -> None:
    settings = Settings(auth_path=sandbox.base_url, env_id=sandbox.env_id, client_id="x", redirect_uri="https://a/cb")
    with PingOneClient(settings) as c, pytest.raises(ConfigurationError, match=r"needs the client secret"):
        _ = c.auth


# -- never retried: count what the server sees ---------------------------------------------------------------


class _Counting(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _FailingHandler)
        self.mode = mode
        self.posts = 0
        self.lock = threading.Lock()


class _FailingHandler(BaseHTTPRequestHandler):
    server: _Counting

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        with self.server.lock:
            self.server.posts += 1
        if self.server.mode == "drop":
            # Close the connection without an answer: the classic case where a retry would reuse the code.
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if self.server.mode == "stall":
            time.sleep(1.5)
        body = b'{"id":"x","code":"UNEXPECTED_ERROR","message":"unavailable"}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", "1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(params=["drop", "503", "stall"])
def failing_server(request: pytest.FixtureRequest) -> Iterator[_Counting]:
    server = _Counting(request.param)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_a_token_post_is_never_retried(failing_server: _Counting) -> None:
    port = failing_server.server_address[1]
    settings = Settings(
        auth_path=f"http://127.0.0.1:{port}",
        env_id=ENV,
        client_id="app",
        client_secret=MARKER_SECRET,
        redirect_uri="https://app.example.com/callback",
    )
    with PingOneClient(settings, timeout=0.5) as c:
        started = time.monotonic()
        if failing_server.mode == "drop":
            with pytest.raises(ConnectionFailed) as info:
                c.exchange_code("the-only-code")
            assert "do NOT resend" in str(info.value) or info.value.fix
        elif failing_server.mode == "stall":
            with pytest.raises(RequestTimedOut) as timed_out:
                c.exchange_code("the-only-code")
            assert "do NOT resend the same code" in str(timed_out.value)
            assert time.monotonic() - started < 1.4  # the timeout fired; we did not wait for the server
        else:
            result = c.exchange_code("the-only-code", check=False)
            assert result.status == 503 and result.error is not None
            assert "never resend" in str(c.explain(result))
    time.sleep(1.6 if failing_server.mode == "stall" else 0.1)  # let a (wrong) retry arrive, if there were one
    assert failing_server.posts == 1


def test_client_credentials_for_the_worker_app(sandbox: Sandbox) -> None:
    settings = sandbox_settings(
        sandbox, client_id=sandbox.worker_id, client_secret=sandbox.worker_secret, auth_method="client_secret_basic"
    )
    with PingOneClient(settings) as worker:
        assert isinstance(worker.auth, ClientSecretBasic)
        tokens = worker.client_credentials()
    assert tokens.ok and tokens.access_token and not tokens.id_token
    assert "sub" not in tokens.decoded["access_token"].claims  # PingOne: no sub for client_credentials


def test_token_response_html_masks_the_refresh_token_but_shows_the_jwts(client: PingOneClient) -> None:
    request = client.authorization_request()
    tokens = client.exchange_code(client.sign_on(request).code, code_verifier=request.code_verifier)
    assert tokens.refresh_token and tokens.access_token
    html = tokens._repr_html_()
    assert tokens.refresh_token not in html
    assert tokens.access_token.split(".")[0] in html  # the JWT is shown, decoded below
