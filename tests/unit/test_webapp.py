"""The library in a web app (issue 19; issue 16 findings 9 and 10): a session-safe authorization request, one
callback parser that refuses what it cannot check, ID-token validation by default, the token lifecycle
(``expires_at``, ``BearerAuth``, ``OAuth2Auth`` refreshing under threads), the thread-safety contract, an app's
``from_env(required=True)``, the neutral User-Agent, and Werkzeug only for the local sandbox.

Everything runs against the local sandbox on loopback (real HTTP, real JWTs, real JWKS).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from pinghelpers import (
    AuthorizationRequest,
    AuthorizationResult,
    BearerAuth,
    ConfigurationError,
    OAuth2Auth,
    OAuthError,
    PingOneClient,
    Settings,
    SignOnError,
    TokenResponse,
    TokenValidationError,
    __version__,
    code_from,
    decode_unverified,
    parse_callback,
    validate_id_token,
)
from pinghelpers.auth import ClientSecretJWT
from pinghelpers.http import jwks_client, new_session
from pinghelpers.sandbox import Sandbox

from ..conftest import MARKER_SECRET

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def signed_in(client: PingOneClient) -> tuple[AuthorizationResult, TokenResponse]:
    """One full flow: the sign-on result (it knows its request) and the validated token response."""
    result = client.sign_on(client.authorization_request())
    return result, client.exchange_code(result)


# -- 1. the authorization request in a web session ---------------------------------------------------------


def test_authorization_request_round_trips_through_json_without_the_secret(client: PingOneClient) -> None:
    request = client.authorization_request()
    stored = json.dumps(request.to_dict())  # what a web framework's session serializer does
    assert MARKER_SECRET not in stored and "client_secret" not in stored
    back = AuthorizationRequest.from_dict(json.loads(stored))
    assert back == request
    assert back.code_verifier == request.code_verifier and back.nonce == request.nonce


@pytest.mark.parametrize(
    "data",
    [None, {}, {"url": "u"}, {"url": 1, "params": {}, "state": "s", "nonce": "n", "code_verifier": "v"}],
)
def test_a_missing_or_tampered_stored_request_is_refused_with_the_fix(data: Any) -> None:
    with pytest.raises(SignOnError, match="start the sign-on again"):
        AuthorizationRequest.from_dict(data)


# -- 2. the callback parser and its refusals (16.10) -------------------------------------------------------

PENDING = AuthorizationRequest(url="https://as/authorize", params={}, state="S1", nonce="N1", code_verifier="V")
ISSUER = "https://auth.pingone.com/env/as"


def test_parse_callback_accepts_the_matching_redirect_and_keeps_the_request() -> None:
    result = parse_callback("https://app/callback?code=C1&state=S1", expected=PENDING, issuer=ISSUER)
    assert (result.code, result.state, result.request) == ("C1", "S1", PENDING)
    # request.args (a mapping) works the same, and an RFC 9207 iss equal to the issuer is accepted.
    assert parse_callback({"code": "C1", "state": "S1", "iss": ISSUER}, expected=PENDING, issuer=ISSUER).code == "C1"


@pytest.mark.parametrize(
    ("callback", "words"),
    [
        ("https://app/callback?code=C1&state=EVIL", "does not match"),
        ("https://app/callback?code=C1", "state is missing"),
        ("https://app/callback?state=S1", "no code"),
        ("https://app/callback?error=access_denied&error_description=cancelled&state=S1", "access_denied"),
        (f"https://app/callback?code=C1&state=S1&iss={ISSUER}x", "mix-up"),
        ("C1", "not a bare code"),
        ({"code": "C1", "state": "S2"}, "does not match"),
    ],
)
def test_parse_callback_refuses_what_it_cannot_check(callback: Any, words: str) -> None:
    with pytest.raises(SignOnError, match=words) as caught:
        parse_callback(callback, expected=PENDING, issuer=ISSUER)
    assert caught.value.fix  # every refusal says what to do


def test_16_10_a_bare_code_does_not_skip_the_state_check() -> None:
    # Today's main returned "abc": the state comparison silently did not happen.
    with pytest.raises(SignOnError, match="bare code carries no state"):
        code_from("abc", expected_state="S1")
    assert code_from("abc", expected_state="S1", received_state="S1") == "abc"
    with pytest.raises(SignOnError, match="does not match"):
        code_from("abc", expected_state="S1", received_state="S2")
    assert code_from("abc") == "abc"  # no state expected: a bare code is fine (the workbook's paste box)


# -- 3. ID-token validation (16.9 and exchange_code's default) ---------------------------------------------


def test_16_9_an_unverified_signature_is_never_ok(signed_in: tuple[AuthorizationResult, TokenResponse]) -> None:
    result, tokens = signed_in
    assert tokens.id_token and result.request
    claims = decode_unverified(tokens.id_token).claims
    report = validate_id_token(
        tokens.id_token, client_id=claims["aud"], issuer=claims["iss"], nonce=result.request.nonce
    )
    assert report["signature"].passed is None and not report.failures
    assert report.ok is False  # today's main said ok=True, "the ID token is valid"
    assert "NOT validated" in str(report) and "signature" in report.verdict
    with pytest.raises(TokenValidationError, match="signature was not checked"):
        report.raise_for_failure()


def test_exchange_code_validates_the_id_token_by_default(signed_in: tuple[AuthorizationResult, TokenResponse]) -> None:
    _, tokens = signed_in
    report = tokens.id_token_report
    assert report is not None and report.ok
    assert {c.claim for c in report.items if c.passed} >= {"signature", "iss", "aud", "exp", "nonce", "at_hash"}


def test_exchange_code_refuses_a_wrong_nonce(client: PingOneClient) -> None:
    result = client.sign_on(client.authorization_request())
    with pytest.raises(TokenValidationError, match="nonce") as caught:
        client.exchange_code(result, nonce="not-the-nonce-sent")
    assert caught.value.claim == "nonce" and caught.value.fix


def test_a_bare_code_without_nonce_is_not_validated_unless_asked(client: PingOneClient) -> None:
    request = client.authorization_request()
    code = client.sign_on(request).code
    tokens = client.exchange_code(code, code_verifier=request.code_verifier)
    assert tokens.ok and tokens.id_token_report is None  # the notebooks' step-by-step path is unchanged


def test_a_token_signed_by_another_key_fails_the_signature_check(
    client: PingOneClient, signed_in: tuple[AuthorizationResult, TokenResponse]
) -> None:
    _, tokens = signed_in
    assert tokens.id_token
    real = decode_unverified(tokens.id_token)
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(dict(real.claims), attacker, algorithm="RS256", headers={"kid": real.header["kid"]})
    body = dict(tokens.body)
    body["id_token"] = forged
    with pytest.raises(TokenValidationError, match="signature") as caught:
        client.validate_id_token(TokenResponse(status=200, headers={}, body=body), nonce=real.claims["nonce"])
    assert caught.value.claim == "signature"


class _JWKSServer:
    """A loopback JWKS endpoint whose key set the test rotates; it counts the fetches."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.fetches += 1
                body = json.dumps({"keys": outer.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/jwks-{id(self)}"


@pytest.fixture
def jwks_server() -> Iterator[_JWKSServer]:
    server = _JWKSServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def _key(kid: str) -> tuple[Any, dict[str, Any]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    public.update(kid=kid, use="sig", alg="RS256")
    return private, public


def test_unknown_kid_fetches_the_jwks_again_once_then_verifies(jwks_server: _JWKSServer) -> None:
    now = time.time()
    claims = {"iss": ISSUER, "aud": "app", "sub": "u", "iat": now, "exp": now + 300}
    old_private, old_public = _key("old")
    new_private, new_public = _key("new")
    jwks_server.keys = [old_public]

    def check(private: Any, kid: str) -> Any:
        token = jwt.encode(claims, private, algorithm="RS256", headers={"kid": kid})
        return validate_id_token(token, client_id="app", issuer=ISSUER, jwks_uri=jwks_server.url)

    assert check(old_private, "old").ok and jwks_server.fetches == 1
    assert check(old_private, "old").ok and jwks_server.fetches == 1  # cached: no fetch for a known kid
    # Within JWKS_REFETCH_COOLDOWN of a fetch an unknown kid is refused without fetching (flood bound) …
    jwks_server.keys = [old_public, new_public]  # the issuer rotates its key
    assert not check(new_private, "new").ok and jwks_server.fetches == 1
    jwks_client(jwks_server.url).cooldown_duration = 0  # … after it (the test does not wait 5 s):
    assert check(new_private, "new").ok and jwks_server.fetches == 2  # unknown kid → one fetch → verified
    stranger, _ = _key("stranger")
    report = check(stranger, "stranger")
    assert report["signature"].passed is False and not report.ok and jwks_server.fetches == 3  # once, not a loop


# -- 4. the token lifecycle --------------------------------------------------------------------------------


def test_expires_at_counts_from_when_the_answer_arrived() -> None:
    tokens = TokenResponse(status=200, headers={}, body={"access_token": "a", "expires_in": 3600}, received_at=1000.0)
    assert tokens.expires_at == 4600.0
    assert TokenResponse(status=200, headers={}, body={"access_token": "a"}).expires_at is None


def test_bearer_auth_calls_userinfo_with_requests_and_httpx(
    client: PingOneClient, signed_in: tuple[AuthorizationResult, TokenResponse]
) -> None:
    _, tokens = signed_in
    assert tokens.access_token
    auth = BearerAuth(tokens.access_token)
    url = client.endpoints.userinfo_endpoint
    assert url and tokens.access_token not in repr(auth)
    assert requests.get(url, auth=auth, timeout=10).json()["sub"]
    httpx = pytest.importorskip("httpx")  # installed with JupyterLab; a callable auth sets the header there too
    assert httpx.get(url, auth=auth, timeout=10).json()["sub"]


class _Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def test_oauth2_auth_refreshes_once_under_eight_threads_and_keeps_the_rotated_token(
    client: PingOneClient, signed_in: tuple[AuthorizationResult, TokenResponse]
) -> None:
    _, tokens = signed_in
    old_access, old_refresh = tokens.access_token, tokens.refresh_token
    assert old_access and old_refresh
    clock, updates = _Clock(), []
    auth = OAuth2Auth(client, tokens, on_update=updates.append, now=clock)
    url = client.endpoints.userinfo_endpoint
    assert url
    with requests.Session() as s:
        assert s.get(url, auth=auth, timeout=10).status_code == 200 and auth.refreshes == 0
    clock.offset = 3600.0  # the access token is now past expires_at (sandbox: 3600 s)
    sent: list[str] = []
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        with requests.Session() as s:
            barrier.wait(timeout=10)
            for _ in range(5):  # bounded: 8 × 5 requests
                r = s.get(url, auth=auth, timeout=10)
                statuses.append(r.status_code)
                sent.append(str(r.request.headers["Authorization"]))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [200] * 40
    assert auth.refreshes == 1 and len(updates) == 1  # one refresh, however many threads found it expiring
    new = updates[0]
    assert new.access_token != old_access and set(sent) == {f"Bearer {new.access_token}"}
    assert new.refresh_token and new.refresh_token != old_refresh  # PingOne rotates: the new one is kept
    assert auth.to_dict()["refresh_token"] == new.refresh_token
    assert auth.expires_at is not None and auth.expires_at > clock() + 3000
    # The old refresh token is dead (replaying it would revoke the family — RFC 6819 §5.2.2.3).
    assert client.refresh(old_refresh, check=False).error is not None


def test_oauth2_auth_without_refresh_token_says_to_sign_in_again(client: PingOneClient) -> None:
    clock = _Clock()
    auth = OAuth2Auth(client, {"access_token": "a", "expires_at": time.time() + 10}, now=clock)
    with pytest.raises(ConfigurationError, match="no refresh token"):
        _ = auth.access_token


def test_the_assertion_on_a_failed_call_is_the_one_that_call_sent_under_threads(client: PingOneClient) -> None:
    # One auth object shared by 8 threads; each failed call must explain *its* assertion (jti makes each unique).
    shared = ClientSecretJWT(str(client.settings.client_id), MARKER_SECRET, jti=True)
    results: list[TokenResponse] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait(timeout=10)
        for _ in range(5):  # the default app lacks CLIENT_CREDENTIALS: each call is refused (unauthorized_client)
            results.append(client.client_credentials(auth=shared, check=False))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 40
    for result in results:
        assert isinstance(result.error, OAuthError) and result.assertion and result.request
        # The snippet masks the signature; header.payload (unique by jti) identifies the assertion sent.
        sent = dict(result.request.form)["client_assertion"].rsplit(".", 1)[0]
        assert result.assertion.token.rsplit(".", 1)[0] == sent
        assert result.error.client_assertion and result.error.client_assertion.rsplit(".", 1)[0] == sent


# -- 5. an app's configuration, the User-Agent, Werkzeug ---------------------------------------------------


def test_from_env_required_names_every_missing_setting() -> None:
    with pytest.raises(ConfigurationError, match="PINGONE_ENV_ID") as caught:
        Settings.from_env({}, dotenv=None, required=True)
    assert caught.value.setting == "PINGONE_ENV_ID"
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"PINGONE_ENV_ID": "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c"}, dotenv=None, required=True)
    for name in ("PINGONE_CLIENT_ID", "PINGONE_CLIENT_SECRET", "PINGONE_REDIRECT_URI"):
        assert name in str(caught.value)
    assert Settings.from_env({}, dotenv=None) is None  # the workbook's "no settings → local sandbox" is unchanged


def test_the_user_agent_is_neutral_and_versioned(sandbox: Sandbox) -> None:
    assert new_session().headers["User-Agent"] == f"pinghelpers/{__version__}"


def test_werkzeug_is_needed_only_by_the_local_sandbox() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(d.lower().startswith("werkzeug") for d in project["dependencies"])
    assert any(d.lower().startswith("werkzeug") for d in project["optional-dependencies"]["sandbox"])
    code = (
        "import sys; sys.modules['werkzeug'] = None\n"  # as if Werkzeug were not installed
        "import pinghelpers, pinghelpers.client, pinghelpers.tokens, pinghelpers.idtoken, pinghelpers.signon\n"
        "from pinghelpers import PingOneClient, Settings\n"
        "s = Settings(env_id='3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c', client_id='c', client_secret='x' * 32,"
        " redirect_uri='https://app.example/callback')\n"
        "print(PingOneClient(s).authorization_request().url[:8])\n"
        "try:\n    import pinghelpers.sandbox\nexcept ImportError as e:\n    print('sandbox:', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.startswith("https://") and "pip install 'pinghelpers[sandbox]'" in out
