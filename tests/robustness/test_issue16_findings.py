"""Issue 16, findings 1–8: one regression test per finding, each named after it, each failing on the code before.

The neighbours of each attack (the whole class, not only the reported case) are in ``test_negative.py`` and the
bounded fuzz (``test_fuzz.py``). Findings 9 and 10 (ID-token signature, bare code and state) are fixed elsewhere.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from pinghelpers import CLIENT_ASSERTION_TYPE, PingOneClient, Settings
from pinghelpers.endpoints import Endpoints
from pinghelpers.errors import DIAGNOSIS_HEADER, ConfigurationError, InvalidResponse, PingHelpersError, SandboxDiagnosis
from pinghelpers.rules import check_assertion
from pinghelpers.sandbox import Sandbox

from ..conftest import MARKER_SECRET
from .conftest import OTHER_APP_ID, OTHER_APP_SECRET

ENV = "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c"
SECRET = "TEST-ONLY-" + "s" * 60
EVIL = "https://auth.attacker.example"
NESTED = "[" * 30_000 + "]" * 30_000  # past the JSON parser's recursion limit, inside the 64 KiB body limit


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


HS256_HEADER = _b64(b'{"alg": "HS256"}')


def _assertion(sb: Sandbox, *, client_id: str | None = None, key: str = MARKER_SECRET, **header: Any) -> str:
    cid = client_id or sb.client_id
    claims = {"iss": cid, "sub": cid, "aud": sb.token_endpoint, "exp": int(time.time()) + 300}
    return jwt.encode(claims, key, algorithm="HS256", headers=header or None)


def _code(client: PingOneClient, verifier: str | None = None) -> tuple[str, str]:
    request = client.authorization_request(code_verifier=verifier)
    assert request.code_verifier is not None
    return client.sign_on(request).code, request.code_verifier


def _exchange(sb: Sandbox, code: str, verifier: str, *, as_other: bool = False, assertion: str | None = None) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": sb.redirect_uri,
        "code_verifier": verifier,
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": assertion
        or (_assertion(sb, client_id=OTHER_APP_ID, key=OTHER_APP_SECRET) if as_other else _assertion(sb)),
    }
    return requests.post(sb.token_endpoint, data=form, timeout=10)


def _admin(sb: Sandbox, **extra: str) -> dict[str, str]:
    return {"X-Sandbox-Token": sb.admin_token, **extra}


# -- 1. a planted .env ------------------------------------------------------------------------------------------
def _dotenv(folder: Path, **values: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return path


def test_finding1_dotenv_in_a_parent_folder_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _dotenv(tmp_path, PINGONE_AUTH_PATH=EVIL, PINGONE_AUTH_METHOD="client_secret_post")
    work = tmp_path / "projects" / "mine"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    s = Settings.from_env({"PINGONE_ENV_ID": ENV, "PINGONE_CLIENT_ID": "app", "PINGONE_CLIENT_SECRET": SECRET})
    assert s is not None
    assert s.auth_path is None and s.auth_method == "client_secret_jwt"
    assert s.endpoints().token_endpoint.startswith("https://auth.pingone.com/")


def test_finding1_dotenv_location_never_overrides_the_environments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _dotenv(tmp_path, PINGONE_AUTH_PATH=EVIL)
    monkeypatch.chdir(tmp_path)
    s = Settings.from_env({"PINGONE_ENV_ID": ENV, "PINGONE_REGION": "EU", "PINGONE_CLIENT_ID": "app"})
    assert s is not None and s.auth_path is None
    assert s.endpoints().token_endpoint == f"https://auth.pingone.eu/{ENV}/as/token"
    assert str(path) in s.source  # the file used is named …
    assert any("PINGONE_AUTH_PATH" in n and "environment wins" in n for n in s.notes)  # … and what was ignored

    from pinghelpers.display.reprs import target_html
    from pinghelpers.workbook import Target

    banner = target_html(Target(settings=s))
    assert str(path) in banner and "PINGONE_AUTH_PATH" in banner


def test_finding1_file_only_auth_method_downgrade_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _dotenv(tmp_path, PINGONE_AUTH_METHOD="client_secret_post")
    monkeypatch.chdir(tmp_path)
    env = {"PINGONE_ENV_ID": ENV, "PINGONE_CLIENT_ID": "app", "PINGONE_CLIENT_SECRET": SECRET}
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env)
    assert caught.value.setting == "PINGONE_AUTH_METHOD"
    assert "in the environment" in str(caught.value.fix)
    # Said twice (file and environment), it is the user's choice.
    s = Settings.from_env({**env, "PINGONE_AUTH_METHOD": "client_secret_post"})
    assert s is not None and s.auth_method == "client_secret_post"


def test_finding1_cli_names_the_dotenv_it_read(tmp_path: Path) -> None:
    path = _dotenv(
        tmp_path,
        PINGONE_AUTH_PATH="http://127.0.0.1:9",  # nothing listens: the command fails after reading settings
        PINGONE_ENV_ID=ENV,
        PINGONE_CLIENT_ID="app",
        PINGONE_CLIENT_SECRET=SECRET,
        PINGONE_REDIRECT_URI="http://127.0.0.1:9/cb",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}
    out = subprocess.run(
        [sys.executable, "-m", "pinghelpers", "token", "--code", "abc"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert f"settings: read {path}" in out.stderr, out.stderr
    assert SECRET not in out.stdout + out.stderr


# -- 2. the fault switch ------------------------------------------------------------------------------------------
def test_finding2_cross_site_text_plain_post_is_refused(rsandbox: Sandbox) -> None:
    url = f"{rsandbox.base_url}/__sandbox/faults"
    body = '{"fault": "server_error"}'
    r = requests.post(url, data=body, headers={"Content-Type": "text/plain"}, timeout=10)  # what a page can send
    assert r.status_code == 401 and rsandbox.faults.armed == []
    r = requests.post(url, data=body, headers=_admin(rsandbox, **{"Content-Type": "text/plain"}), timeout=10)
    assert r.status_code == 415 and rsandbox.faults.armed == []


def test_finding2_fault_switch_needs_the_token_and_a_loopback_host(rsandbox: Sandbox) -> None:
    url = f"{rsandbox.base_url}/__sandbox/faults"
    assert requests.post(url, json={"fault": "server_error"}, timeout=10).status_code == 401
    assert requests.get(url, timeout=10).status_code == 401
    r = requests.post(url, json={"fault": "server_error"}, headers=_admin(rsandbox, Host="rebound.example"), timeout=10)
    assert r.status_code == 403 and r.json()["details"][0]["target"] == "Host"
    assert rsandbox.faults.armed == []
    r = requests.post(url, json={"fault": "server_error", "endpoint": "jwks"}, headers=_admin(rsandbox), timeout=10)
    assert r.status_code == 200  # the right caller still arms it
    rsandbox.faults.clear()


def test_finding2_huge_delay_and_count_are_refused(rsandbox: Sandbox) -> None:
    url = f"{rsandbox.base_url}/__sandbox/faults"
    for body in ({"fault": "slow", "delay": 45}, {"fault": "slow", "delay": 1e308}, {"fault": "slow", "count": 500}):
        r = requests.post(url, json=body, headers=_admin(rsandbox), timeout=10)
        assert r.status_code == 400, body
    assert rsandbox.faults.armed == []


# -- 3. a jti is not a bearer token -------------------------------------------------------------------------------
def test_finding3_access_token_jti_alone_is_not_a_bearer(rsandbox: Sandbox, rclient: PingOneClient) -> None:
    tokens = rclient.exchange_code(rclient.sign_on(rclient.authorization_request()))
    access = str(tokens.access_token)
    jti = jwt.decode(access, options={"verify_signature": False})["jti"]
    userinfo = f"{rsandbox.issuer_url}/userinfo"
    assert requests.get(userinfo, headers={"Authorization": f"Bearer {access}"}, timeout=10).status_code == 200
    assert requests.get(userinfo, headers={"Authorization": f"Bearer {jti}"}, timeout=10).status_code == 401
    assert rclient.introspect(access)["active"] is True
    assert rclient.introspect(jti) == {"active": False}


def test_finding3_another_spelling_of_the_access_token_is_not_a_bearer(
    rsandbox: Sandbox, rclient: PingOneClient
) -> None:
    """Found by `make fuzz` (long profile): "sig==" decoded (by PyJWT) to the same signature, so a padded copy of
    the token authenticated. Only the token exactly as issued does; padding or stray low bits are refused."""
    access = str(rclient.exchange_code(rclient.sign_on(rclient.authorization_request())).access_token)
    head, body, sig = access.split(".")
    # RS256 over 2048 bits: 256 bytes → 342 characters, the last one carrying 4 unused (zero) bits.
    stray = (
        sig[:-1]
        + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(sig[-1]) | 1
        ]
    )
    assert len(sig) % 4 == 2 and stray != sig
    userinfo = f"{rsandbox.issuer_url}/userinfo"
    assert requests.get(userinfo, headers={"Authorization": f"Bearer {access}"}, timeout=10).status_code == 200
    for other in (access + "==", f"{head}.{body}.{stray}", f"{head}=.{body}.{sig}"):
        r = requests.get(userinfo, headers={"Authorization": f"Bearer {other}"}, timeout=10)
        assert r.status_code == 401, other[-12:]
        assert rclient.introspect(other) == {"active": False}


# -- 4. deeply nested JSON ----------------------------------------------------------------------------------------
def test_finding4_nested_json_is_a_400_in_pingones_shape(rsandbox: Sandbox, rclient: PingOneClient) -> None:
    flow_id = rclient.authorization_request(response_mode="pi.flow")
    flow = requests.get(flow_id.url, timeout=10).json()["id"]
    r = requests.post(
        f"{rsandbox.base_url}/{rsandbox.env_id}/flows/{flow}",
        data=NESTED,
        headers={"Content-Type": "application/vnd.pingidentity.usernamePassword.check+json"},
        timeout=10,
    )
    assert r.status_code == 400 and r.json()["code"] == "INVALID_DATA", r.text
    worker = requests.post(
        rsandbox.token_endpoint,
        data={"grant_type": "client_credentials"},
        auth=(rsandbox.worker_id, rsandbox.worker_secret.reveal()),
        timeout=10,
    ).json()["access_token"]
    r = requests.post(
        f"{rsandbox.api_path}/environments/{rsandbox.env_id}/applications",
        data=NESTED,
        headers={"Authorization": f"Bearer {worker}", "Content-Type": "application/json"},
        timeout=10,
    )
    assert r.status_code == 400 and r.json()["code"] == "INVALID_DATA", r.text
    r = requests.post(
        f"{rsandbox.base_url}/__sandbox/faults",
        data=NESTED,
        headers=_admin(rsandbox, **{"Content-Type": "application/json"}),
        timeout=10,
    )
    assert r.status_code == 400 and r.json()["code"] == "INVALID_DATA", r.text
    # The token endpoint: an assertion whose payload nests deeper than any JWT is refused, and says why.
    deep = f"{HS256_HEADER}.{_b64(('[' * 40 + ']' * 40).encode())}.{_b64(b'x' * 32)}"
    r = _exchange(rsandbox, "x", "v" * 43, assertion=deep)
    assert r.status_code == 401 and "nested too deeply" in _diagnosis(r).detail, r.text


class _NestedAnswer(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = NESTED.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def nested_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NestedAnswer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_finding4_client_raises_its_own_error_on_a_nested_token_response(nested_server: str) -> None:
    settings = Settings(
        auth_path=nested_server, env_id=ENV, client_id="app", client_secret=SECRET, redirect_uri="http://127.0.0.1/cb"
    )
    with PingOneClient(settings) as client, pytest.raises(PingHelpersError) as caught:
        client.exchange_code("abc", code_verifier="v" * 43)
    assert isinstance(caught.value, InvalidResponse)
    assert "nested too deeply" in str(caught.value)


def test_finding4_cli_inspect_explains_a_nested_token_in_one_line(tmp_path: Path) -> None:
    token = f"{HS256_HEADER}.{_b64(NESTED[:20000].encode() + NESTED[-20000:].encode())}.c2ln"
    out = subprocess.run(
        [sys.executable, "-m", "pinghelpers", "inspect", "-"],
        input=token,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert out.stderr.startswith("error: ") and "nested too deeply" in out.stderr.splitlines()[0], out.stderr


# -- 5. code binding ----------------------------------------------------------------------------------------------
def test_finding5_another_client_cannot_burn_a_victims_code(rsandbox: Sandbox, rclient: PingOneClient) -> None:
    code, verifier = _code(rclient)
    stolen = _exchange(rsandbox, code, verifier, as_other=True)
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    assert _exchange(rsandbox, code, verifier).status_code == 200  # the victim's code still works


def test_finding5_replay_by_another_client_does_not_revoke_the_victims_tokens(
    rsandbox: Sandbox, rclient: PingOneClient
) -> None:
    code, verifier = _code(rclient)
    first = _exchange(rsandbox, code, verifier)
    assert first.status_code == 200
    replay = _exchange(rsandbox, code, verifier, as_other=True)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert rclient.introspect(first.json()["access_token"])["active"] is True
    # The victim's own replay still revokes (RFC 6749 §4.1.2): the binding, not the rule, changed.
    assert _exchange(rsandbox, code, verifier).status_code == 400
    assert rclient.introspect(first.json()["access_token"])["active"] is False


# -- 6. lenient checks --------------------------------------------------------------------------------------------
def _non_canonical(token: str) -> str:
    """The same signature bytes spelled differently: flip an unused low bit of the last base64url character."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    head, sig = token.rsplit(".", 1)
    return f"{head}.{sig[:-1]}{alphabet[alphabet.index(sig[-1]) ^ 1]}"


def test_finding6_lenient_assertion_checks_are_gone(rsandbox: Sandbox, rclient: PingOneClient) -> None:
    good = _assertion(rsandbox)
    bad = {
        "crit-understood": _assertion(rsandbox, crit=["exp"]),
        "compact-jws": _non_canonical(good),
    }
    for rule, assertion in bad.items():
        code, verifier = _code(rclient)
        r = _exchange(rsandbox, code, verifier, assertion=assertion)
        assert r.status_code == 401 and _diagnosis(r).rule == rule, r.text
    for spaced in (f" {good}", f"{good}\n"):
        code, verifier = _code(rclient)
        r = _exchange(rsandbox, code, verifier, assertion=spaced)
        assert r.status_code == 401 and "white space" in _diagnosis(r).detail, r.text
    # The client's checklist shows the same rule (one checker for both).
    listed = check_assertion(bad["crit-understood"], client_id=rsandbox.client_id, audiences=[rsandbox.token_endpoint])
    assert listed["crit-understood"].passed is False


@pytest.mark.parametrize("verifier", ["a" * 42, "a" * 129, "a" * 42 + "!", "a" * 42 + " "])
def test_finding6_pkce_verifier_must_be_43_to_128_unreserved(
    rsandbox: Sandbox, rclient: PingOneClient, verifier: str
) -> None:
    code, _ = _code(rclient, verifier)  # a challenge made from it, so only the verifier's form is wrong
    r = _exchange(rsandbox, code, verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    assert _diagnosis(r).rule == "pkce-verifier"


def test_finding6_duplicate_parameters_at_authorize_are_refused(rsandbox: Sandbox) -> None:
    base = f"{rsandbox.issuer_url}/authorize?response_type=code&client_id={rsandbox.client_id}&scope=openid"
    r = requests.get(
        f"{base}&redirect_uri={rsandbox.redirect_uri}&redirect_uri=https://evil.example/cb",
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 400 and r.json()["code"] == "INVALID_DATA", r.text
    assert "more than once" in r.json()["details"][0]["message"]


# -- 7. CLI exposure ----------------------------------------------------------------------------------------------
def test_finding7_misspelled_secret_flag_is_not_echoed(capsys: pytest.CaptureFixture[str]) -> None:
    from pinghelpers.cli import main

    value = "TEST-ONLY-do-not-echo-this-0123456789"
    for argv in (
        ["token", "--code", "x", f"--client_secret={value}"],
        ["token", "--code", "x", "--clientsecret", value],
    ):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert "unrecognized arguments" in err and value not in err, err


def test_finding7_a_value_given_to_a_flag_without_one_is_not_echoed(capsys: pytest.CaptureFixture[str]) -> None:
    """Found by `make fuzz` (long profile): `--e=VALUE` abbreviates `--explain`, which takes no value, and argparse
    said "ignored explicit argument 'VALUE'"."""
    from pinghelpers.cli import main

    value = "TEST-ONLY-do-not-echo-this-0123456789"
    with pytest.raises(SystemExit) as exited:
        main(["assertion", f"--e={value}"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "ignored explicit argument" in err and value not in err, err


def test_finding7_tokens_come_from_stdin_or_a_variable(tmp_path: Path, rsandbox: Sandbox) -> None:
    token = _assertion(rsandbox)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}, "MY_TOKEN": token}
    base = [sys.executable, "-m", "pinghelpers", "inspect"]
    common: dict[str, Any] = {"capture_output": True, "text": True, "cwd": tmp_path, "env": env, "timeout": 60}
    by_var = subprocess.run([*base, "--token-env", "MY_TOKEN"], check=False, **common)
    assert by_var.returncode == 0 and '"iss"' in by_var.stdout and "warning" not in by_var.stderr, by_var.stderr
    by_stdin = subprocess.run([*base, "-"], input=token, check=False, **common)
    assert by_stdin.returncode == 0 and "warning" not in by_stdin.stderr
    on_argv = subprocess.run([*base, token], check=False, **common)
    assert on_argv.returncode == 0 and "warning: the token given on the command line" in on_argv.stderr
    helped = subprocess.run([*base, "--help"], check=False, **common)
    assert "--token-env" in helped.stdout and "stdin" in helped.stdout


# -- 8. discovery and export --------------------------------------------------------------------------------------
def test_finding8_discovery_refuses_plain_http_off_loopback() -> None:
    doc = {
        "issuer": "https://idp.example.com",
        "authorization_endpoint": "https://idp.example.com/authorize",
        "token_endpoint": "http://idp.example.com/token",
        "jwks_uri": "https://idp.example.com/jwks",
    }
    with pytest.raises(InvalidResponse) as caught:
        Endpoints.from_discovery_document(doc)
    assert "token_endpoint" in str(caught.value) and "https" in str(caught.value.fix)
    local = {k: v.replace("idp.example.com", "127.0.0.1:9").replace("https:", "http:") for k, v in doc.items()}
    assert Endpoints.from_discovery_document(local).token_endpoint == "http://127.0.0.1:9/token"


def test_finding8_html_export_scans_for_the_secrets_value_itself() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
    import export_html

    value = "TEST-ONLY+secret/with=specials-0123456789"
    from urllib.parse import quote

    # Masking replaces the literal value; the scan finds it in the spellings masking misses.
    with pytest.raises(export_html.LeakFound, match="URL-encoded"):
        export_html.scan_for_secrets(f"sent: client_id=a&x={quote(value, safe='')}", "nb.ipynb", [value])
    planted = "Ab1" + "x" * 61  # the shape of a PingOne secret, after no `client_secret=` label
    with pytest.raises(export_html.LeakFound, match="shaped like a client secret"):
        export_html.scan_for_secrets(f"the value is {planted}", "nb.ipynb", [], shapes=True)
    export_html.scan_for_secrets("digest " + "ab12" * 16 + " and a masked ••••••••", "nb.ipynb", [value], shapes=True)


def test_nested_json_in_a_jwt_stays_explained(rsandbox: Sandbox) -> None:
    """The depth limit also holds below the parser's own: 33 levels is refused, 8 is fine."""
    from pinghelpers.jose import decode_compact

    def token(depth: int) -> str:
        return f"{HS256_HEADER}.{_b64(json.dumps({'x': json.loads('[' * depth + ']' * depth)}).encode())}.c2ln"

    decode_compact(token(8))
    with pytest.raises(ValueError, match="nested too deeply"):
        decode_compact(token(33))


def _diagnosis(r: requests.Response) -> SandboxDiagnosis:
    """The local sandbox's own diagnosis of a refusal (its X-Local-Sandbox-Diagnosis header; never on the wire)."""
    found = SandboxDiagnosis.parse(r.headers.get(DIAGNOSIS_HEADER))
    assert found is not None, dict(r.headers)
    return found
