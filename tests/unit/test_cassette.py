"""Record/replay (issue 14) in one process: masking rules, the frozen clock, the first difference stops a replay."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pinghelpers import PingOneClient, Settings, timefmt
from pinghelpers.cassette import MARKERS, mask_exchange, mask_text
from pinghelpers.errors import ReplayMismatch
from pinghelpers.http import replaying, use_cassette
from pinghelpers.sandbox import Sandbox


@pytest.fixture
def no_cassette_after() -> Iterator[None]:
    yield
    use_cassette()  # back to no cassette (and the system clock) for the other tests
    timefmt.set_clock(None)


def test_masking_one_marker_per_kind() -> None:
    jwt_like = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl"
    exchange = {
        "request": {
            "method": "POST",
            "url": "https://auth.example.com/as/token",
            "headers": {
                "Authorization": "Basic " + base64.b64encode(b"worker:s3cret-worker").decode(),
                "Cookie": "ST=abc; other=def",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            "body": f"grant_type=authorization_code&code=abc123&client_assertion={jwt_like}&client_secret=s3cret",
        },
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json", "Set-Cookie": "ST=xyz; Path=/; HttpOnly"},
            "body": json.dumps({"access_token": jwt_like, "refresh_token": "opaque-refresh", "code": "INVALID_DATA"}),
        },
    }
    masked = json.dumps(mask_exchange(exchange, secrets=[("s3cret-worker", "client_secret")]))
    for leaked in ("s3cret", "abc123", "c2lnbmF0dXJl", "opaque-refresh", "ST=abc", "ST=xyz", "def"):
        assert leaked not in masked, leaked
    assert MARKERS["assertion_signature"] in masked and MARKERS["token_signature"] in masked
    assert "eyJzdWIiOiJhIn0" in masked  # claims stay readable
    assert "INVALID_DATA" in masked  # a platform error's code is not an authorization code
    assert "Basic " + base64.b64encode(f"worker:{MARKERS['client_secret']}".encode()).decode() in masked
    assert mask_text("https://app/cb?code=xyz&state=s") == f"https://app/cb?code={MARKERS['code']}&state=s"


def test_record_then_replay_offline_with_the_clock_frozen(tmp_path: Path, no_cassette_after: None) -> None:
    cassette = tmp_path / "flow.jsonl"
    with Sandbox() as sandbox:
        settings = Settings(
            auth_path=sandbox.base_url,
            env_id=sandbox.env_id,
            client_id=sandbox.client_id,
            client_secret=sandbox.client_secret,
            redirect_uri=sandbox.redirect_uri,
            username=sandbox.username,
            password=sandbox.password,
        )
        use_cassette(record=cassette, secrets=[(sandbox.client_secret.reveal(), "client_secret")])
        with PingOneClient(settings) as client:
            request = client.authorization_request()
            tokens = client.exchange_code(client.sign_on(request), code_verifier=request.code_verifier)
            assert tokens.ok
            recorded_exp = tokens.decoded["access_token"].claims["exp"]
        secret = sandbox.client_secret.reveal()
    assert secret not in cassette.read_text()
    recorded = [json.loads(line) for line in cassette.read_text().splitlines()]
    steps = [line["step"] for line in recorded[1:]]
    assert steps[-1] == "the token request" and "the resume request" in steps

    player = use_cassette(replay=cassette)  # the sandbox is stopped: only the cassette can answer
    assert replaying() is player and timefmt.now() == recorded[0]["recorded_at"]
    with PingOneClient(settings) as client:
        request = client.authorization_request()  # fresh state and nonce: replay writes them into the answers
        result = client.sign_on(request)
        assert result.state == request.state and result.code == MARKERS["code"]
        tokens = client.exchange_code(result, code_verifier=request.code_verifier)
        assert tokens.ok and tokens.decoded["access_token"].claims["exp"] == recorded_exp
        assert timefmt.now() == recorded[-1]["time"]  # the clock reads the recording's time
        with pytest.raises(ReplayMismatch, match=r"holds only \d+ exchanges") as exhausted:
            client.userinfo(str(tokens.access_token))
        assert exhausted.value.step == "the userinfo request"


def test_the_first_different_request_stops_the_replay(tmp_path: Path, no_cassette_after: None) -> None:
    cassette = tmp_path / "one.jsonl"
    with Sandbox() as sandbox:
        use_cassette(record=cassette)
        settings = Settings(auth_path=sandbox.base_url, env_id=sandbox.env_id, client_id=sandbox.client_id)
        with PingOneClient(settings) as client:
            client.discovery()
    use_cassette(replay=cassette)
    with PingOneClient(settings) as client, pytest.raises(ReplayMismatch) as stopped:
        client.start_authorization(client.authorization_request(redirect_uri="https://app.example.com/cb"))
    message = str(stopped.value)
    assert "exchange 1" in message and "the authorize request" in message
    assert "/.well-known/openid-configuration" in message and "/as/authorize" in message
