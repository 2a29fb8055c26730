"""The CLI, run for real: `python -m pinghelpers ...` in a subprocess against a local sandbox started with
`python -m pinghelpers sandbox` (its JSON line tells us where it is)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from pinghelpers import PingOneClient, Settings, build_client_assertion
from pinghelpers.cli import main
from pinghelpers.local import sandbox_settings
from pinghelpers.postman import write_postman_environment
from pinghelpers.sandbox import Sandbox

from .fake_browser import landing_url

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def cli_sandbox() -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pinghelpers", "sandbox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "no output"
        yield json.loads(line)
    finally:
        proc.terminate()
        proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def run(args: list[str], tmp_path: Path, *, env: dict[str, str] | None = None, stdin: str | None = None) -> Any:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pinghelpers", *args],
        capture_output=True,
        text=True,
        env=clean,
        cwd=tmp_path,  # no stray .env from the developer's checkout
        input=stdin if stdin is not None else "",
        timeout=60,
        check=False,
    )


def run_here(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, **env: str
) -> tuple[int, str, str]:
    """The same ``main()`` in this process — for cheap checks (help, argument errors); the flows run in a
    subprocess above."""
    for key in list(os.environ):
        if key.startswith("PINGONE_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's --help and usage errors
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def target(sb: dict[str, str]) -> list[str]:
    return ["--auth-path", sb["auth_path"], "--env-id", sb["env_id"], "--client-id", sb["client_id"]]


def settings_for(sb: dict[str, str]) -> Settings:
    return Settings(
        auth_path=sb["auth_path"],
        env_id=sb["env_id"],
        client_id=sb["client_id"],
        client_secret=sb["client_secret"],
        redirect_uri=sb["redirect_uri"],
        username=sb["username"],
        password=sb["password"],
    )


def test_help_teaches(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # The real entry point once (console script path: python -m pinghelpers) ...
    top = run(["--help"], tmp_path)
    assert top.returncode == 0
    for words in ("local sandbox", "PINGONE_CLIENT_SECRET", "never a", "login", "inspect", "token", "assertion"):
        assert words in top.stdout, words
    # ... and each command's help in-process (same parser, no interpreter start-up per command).
    expectations = {
        "assertion": ["iss = sub = the client ID", "3600"],
        "inspect": ["Exit status", "§3.1.3.7"],
        "token": ["never retried", "single-use", "--code-verifier", "--issuer", "--region", "--auth-path"],
        "login": ["flows API", "--browser", "PINGONE_PASSWORD", "127.0.0.1:8765/callback"],
    }
    for command, words in expectations.items():
        code, out, _ = run_here([command, "--help"], capsys, monkeypatch)
        assert code == 0
        for w in words:
            assert w in out, (command, w)


def test_secret_flags_are_refused(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for flag in (["--client-secret", "TEST-ONLY-x"], ["--client-secret=TEST-ONLY-x"], ["--password", "TEST-ONLY-x"]):
        code, _, err = run_here(["token", "--code", "c", *flag], capsys, monkeypatch)
        assert code == 2 and "never come from flags" in err
        assert "TEST-ONLY-x" not in err


def test_assertion_prints_a_verifiable_jwt(cli_sandbox: dict[str, str], tmp_path: Path) -> None:
    token_url = f"{cli_sandbox['issuer']}/token"
    out = run(
        ["assertion", "--client-id", cli_sandbox["client_id"], "--audience", token_url, "--lifetime", "120", "--jti"],
        tmp_path,
        env={"PINGONE_CLIENT_SECRET": cli_sandbox["client_secret"]},
    )
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip()
    claims = jwt.decode(token, cli_sandbox["client_secret"], algorithms=["HS256"], audience=token_url)
    assert claims["iss"] == claims["sub"] == cli_sandbox["client_id"] and claims["exp"] - 120 <= claims.get("iat", 1e12)
    assert cli_sandbox["client_secret"] not in out.stdout + out.stderr


def test_assertion_refuses_more_than_an_hour_and_a_missing_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no developer .env with a secret around
    code, _, err = run_here(
        ["assertion", "--client-id", "c", "--audience", "https://a.example/as/token", "--lifetime", "7200"],
        capsys,
        monkeypatch,
        PINGONE_CLIENT_SECRET="TEST-ONLY-" + "s" * 60,
    )
    assert code == 1 and "one hour" in err and "Fix:" in err
    monkeypatch.setattr("sys.stdin", None)  # not a terminal: no prompt possible
    code, _, err = run_here(
        ["assertion", "--client-id", "c", "--audience", "https://a.example/as/token"], capsys, monkeypatch
    )
    assert code == 2 and "PINGONE_CLIENT_SECRET" in err


def test_inspect_exit_status_follows_the_checklist(cli_sandbox: dict[str, str], tmp_path: Path) -> None:
    secret = cli_sandbox["client_secret"]
    token_url = f"{cli_sandbox['issuer']}/token"
    good = build_client_assertion(cli_sandbox["client_id"], secret, token_url).token
    ok = run(["inspect", good, "--secret-env", "S", "--audience", token_url], tmp_path, env={"S": secret})
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "PingOne would accept this assertion" in ok.stdout and "signature verified" in ok.stdout
    expired = build_client_assertion(cli_sandbox["client_id"], secret, token_url, now=1_000_000).token
    bad = run(["inspect", "-", "--secret-env", "S"], tmp_path, env={"S": secret}, stdin=expired)
    assert bad.returncode == 1
    assert "FAIL" in bad.stdout and "exp-not-expired" in bad.stdout and "fix:" in bad.stdout
    assert secret not in bad.stdout + bad.stderr
    garbage = run(["inspect", "not-a-jwt"], tmp_path)
    assert garbage.returncode == 1 and "not a JWT" in garbage.stderr


def test_token_then_reuse_then_wrong_secret(cli_sandbox: dict[str, str], tmp_path: Path) -> None:
    with PingOneClient(settings_for(cli_sandbox)) as c:
        request = c.authorization_request()
        result = c.sign_on(request)
    assert result.redirect_url
    args = [
        "token",
        "--code",
        result.redirect_url,  # the pasted redirect URL
        f"--state={request.state}",
        *target(cli_sandbox),
        "--redirect-uri",
        cli_sandbox["redirect_uri"],
        f"--code-verifier={request.code_verifier}",
    ]
    env = {"PINGONE_CLIENT_SECRET": cli_sandbox["client_secret"]}
    first = run([*args, "--json"], tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    body = json.loads(first.stdout)
    assert body["token_type"] == "Bearer" and body["id_token"].count(".") == 2
    again = run(args, tmp_path, env=env)
    assert again.returncode == 1
    assert "invalid_grant" in again.stderr and "already used" in again.stderr and "Fix:" in again.stderr
    assert cli_sandbox["client_secret"] not in again.stderr + again.stdout

    with PingOneClient(settings_for(cli_sandbox)) as c:
        request = c.authorization_request()
        code = c.sign_on(request).code
    wrong = run(
        [
            "token",
            "--code",
            code,
            *target(cli_sandbox),
            "--redirect-uri",
            cli_sandbox["redirect_uri"],
            f"--code-verifier={request.code_verifier}",
        ],
        tmp_path,
        env={"PINGONE_CLIENT_SECRET": "TEST-ONLY-wrong-secret-" + "w" * 50},
    )
    assert wrong.returncode == 1 and "invalid_client" in wrong.stderr and "secret" in wrong.stderr
    assert "wrong-secret" not in wrong.stderr  # neither secret is ever printed
    assert "curl" in wrong.stderr and "client_assertion=" in wrong.stderr


def test_token_with_a_scope_subset(cli_sandbox: dict[str, str], tmp_path: Path) -> None:
    """--scope sends PingOne's optional token-request scope (Step 4 sends scope=openid)."""
    with PingOneClient(settings_for(cli_sandbox)) as c:
        request = c.authorization_request(scope="openid profile")
        code = c.sign_on(request).code
    out = run(
        [
            "token",
            "--code",
            code,
            *target(cli_sandbox),
            "--redirect-uri",
            cli_sandbox["redirect_uri"],
            f"--code-verifier={request.code_verifier}",
            "--scope",
            "openid",
            "--json",
        ],
        tmp_path,
        env={"PINGONE_CLIENT_SECRET": cli_sandbox["client_secret"]},
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["scope"] == "openid"


def test_token_needs_a_target(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env around
    code, _, err = run_here(
        ["token", "--code", "c", "--client-id", "x", "--redirect-uri", "https://a/cb"], capsys, monkeypatch
    )
    assert code == 2 and "--env-id" in err and "--issuer" in err


def test_token_with_the_issuer_via_discovery(cli_sandbox: dict[str, str], tmp_path: Path) -> None:
    with PingOneClient(settings_for(cli_sandbox)) as c:
        request = c.authorization_request()
        code = c.sign_on(request).code
    out = run(
        [
            "token",
            "--code",
            code,
            "--issuer",
            cli_sandbox["issuer"],
            "--client-id",
            cli_sandbox["client_id"],
            "--redirect-uri",
            cli_sandbox["redirect_uri"],
            f"--code-verifier={request.code_verifier}",
            "--json",
        ],
        tmp_path,
        env={"PINGONE_CLIENT_SECRET": cli_sandbox["client_secret"]},
    )
    assert out.returncode == 0, out.stderr
    assert "access_token" in json.loads(out.stdout)


def test_login_headless_validates_the_id_token(cli_sandbox: dict[str, str], tmp_path: Path) -> None:
    env = {"PINGONE_CLIENT_SECRET": cli_sandbox["client_secret"], "PINGONE_PASSWORD": cli_sandbox["password"]}
    out = run(
        [
            "login",
            *target(cli_sandbox),
            "--redirect-uri",
            cli_sandbox["redirect_uri"],
            "--username",
            cli_sandbox["username"],
        ],
        tmp_path,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert "HTTP 200" in out.stdout
    for check in ("signature", "iss", "aud", "exp", "nonce", "at_hash"):
        assert any(line.startswith("[ pass  ]") and f" {check} " in line for line in out.stderr.splitlines()), check
    assert "the ID token is valid" in out.stderr
    assert cli_sandbox["password"] not in out.stdout + out.stderr


def test_login_reads_pingone_settings_from_a_dotenv_in_a_parent(cli_sandbox: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "\n".join(
            [
                f"PINGONE_AUTH_PATH={cli_sandbox['auth_path']}",
                f"PINGONE_ENV_ID={cli_sandbox['env_id']}",
                f"PINGONE_CLIENT_ID={cli_sandbox['client_id']}",
                f"PINGONE_CLIENT_SECRET={cli_sandbox['client_secret']}",
                f"PINGONE_REDIRECT_URI={cli_sandbox['redirect_uri']}",
                f"PINGONE_USERNAME={cli_sandbox['username']}",
                f"PINGONE_PASSWORD={cli_sandbox['password']}",
            ]
        )
    )
    nested = tmp_path / "notebooks"
    nested.mkdir()
    out = run(["login", "--json"], nested)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["token_type"] == "Bearer"


def test_login_wrong_password_fails_with_an_explanation(cli_sandbox: dict[str, str], tmp_path: Path) -> None:
    out = run(
        [
            "login",
            *target(cli_sandbox),
            "--redirect-uri",
            cli_sandbox["redirect_uri"],
            "--username",
            cli_sandbox["username"],
        ],
        tmp_path,
        env={"PINGONE_CLIENT_SECRET": cli_sandbox["client_secret"], "PINGONE_PASSWORD": "TEST-ONLY-wrong"},
    )
    assert out.returncode == 1 and "sign-on failed" in out.stderr and "password" in out.stderr
    assert "TEST-ONLY-wrong" not in out.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_login_in_the_browser_catches_the_redirect_on_loopback(tmp_path: Path) -> None:
    port = _free_port()
    callback = f"http://127.0.0.1:{port}/callback"
    secret = "TEST-ONLY-browser-secret-0123456789abcdefghijklmnopqrstuvwxyz"
    with Sandbox(client_secret=secret) as sb:
        sb.issuer.environments[sb.env_id].apps[sb.client_id].redirect_uris.append(callback)
        out = run(
            [
                "login",
                "--browser",
                "--wait",
                "30",
                "--auth-path",
                sb.base_url,
                "--env-id",
                sb.env_id,
                "--client-id",
                sb.client_id,
                "--redirect-uri",
                callback,
                "--json",
            ],
            tmp_path,
            env={
                "PINGONE_CLIENT_SECRET": secret,
                # webbrowser runs $BROWSER with the URL; our "person" signs on with these.
                "BROWSER": f"{sys.executable} {HERE / 'fake_browser.py'} %s",
                "PINGONE_USERNAME": sb.username,
                "PINGONE_PASSWORD": sb.password.reveal(),
            },
        )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["id_token"].count(".") == 2


def test_login_without_a_flag_follows_the_shared_sign_on_rule(tmp_path: Path) -> None:
    # No username known and a loopback redirect URI: signon's rule picks the browser, as Target.sign_on does.
    port = _free_port()
    callback = f"http://127.0.0.1:{port}/callback"
    secret = "TEST-ONLY-browser-secret-0123456789abcdefghijklmnopqrstuvwxyz"
    with Sandbox(client_secret=secret) as sb:
        sb.issuer.environments[sb.env_id].apps[sb.client_id].redirect_uris.append(callback)
        where = ["--auth-path", sb.base_url, "--env-id", sb.env_id, "--client-id", sb.client_id]
        env = {
            "PINGONE_CLIENT_SECRET": secret,
            "BROWSER": f"{sys.executable} {HERE / 'fake_browser.py'} %s",
            "FAKE_PERSON_USERNAME": sb.username,
            "FAKE_PERSON_PASSWORD": sb.password.reveal(),
        }
        chosen = run(["login", *where, "--redirect-uri", callback, "--wait", "30"], tmp_path, env=env)
        # ... and with neither a user nor a loopback redirect URI nor a terminal to paste into, it says what to set.
        refused = run(["login", *where, "--redirect-uri", "https://app.example.com/callback"], tmp_path, env=env)
    assert chosen.returncode == 0, chosen.stderr
    assert "2. sign on in the browser" in chosen.stderr and "the ID token is valid" in chosen.stderr
    assert refused.returncode == 1 and "not a loopback address" in refused.stderr
    assert "PINGONE_USERNAME" in refused.stderr and "--paste" in refused.stderr


def test_login_with_a_pasted_redirect_url_works_with_any_redirect_uri(
    cli_sandbox: dict[str, str], tmp_path: Path
) -> None:
    # The redirect URI is https://app.example.com/callback: nothing here can listen there, so the person pastes
    # the address the browser landed on (signon's third way).
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PINGONE_")}
    clean["PINGONE_CLIENT_SECRET"] = cli_sandbox["client_secret"]
    args = [*target(cli_sandbox), "--redirect-uri", cli_sandbox["redirect_uri"], "--json"]
    with subprocess.Popen(
        [sys.executable, "-m", "pinghelpers", "login", "--paste", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean,
        cwd=tmp_path,
    ) as proc:
        assert proc.stdin is not None and proc.stderr is not None
        shown = ""
        for _ in range(20):  # the prompt is a few lines; the URL line is the one to open
            line = proc.stderr.readline()
            if "/as/authorize?" in line or not line:
                shown = line.strip()
                break
        assert shown.startswith(cli_sandbox["auth_path"]), shown
        landed = landing_url(shown, cli_sandbox["username"], cli_sandbox["password"])
        assert landed.startswith(cli_sandbox["redirect_uri"] + "?code=")
        out, err = proc.communicate(landed + "\n", timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(out)["token_type"] == "Bearer"


def test_inspect_an_id_token_and_token_from_a_postman_file(
    cli_sandbox: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = settings_for(cli_sandbox)
    with PingOneClient(settings) as c:
        request = c.authorization_request()
        tokens = c.exchange_code(c.sign_on(request).code, code_verifier=request.code_verifier)
        request2 = c.authorization_request()
        code2 = c.sign_on(request2).code
    id_args = [
        "inspect",
        str(tokens.id_token),
        "--issuer",
        cli_sandbox["issuer"],
        "--client-id",
        cli_sandbox["client_id"],
    ]
    id_args += ["--jwks-url", f"{cli_sandbox['issuer']}/jwks", f"--nonce={request.nonce}"]
    code, out, err = run_here([*id_args, f"--access-token={tokens.access_token}"], capsys, monkeypatch)
    assert code == 0, err
    assert "ID token checks" in out and "the ID token is valid" in out and "at_hash matches" in out
    code, out, _ = run_here([*id_args[:-1], "--nonce=not-the-nonce"], capsys, monkeypatch)
    assert code == 1 and "nonce differs" in out

    # The same exchange, configured from a Postman environment export (secret from the variable, not the file).
    postman = tmp_path / "sandbox.postman_environment.json"
    write_postman_environment(settings, postman)
    code, out, err = run_here(
        ["token", "--postman", str(postman), "--code", code2, f"--code-verifier={request2.code_verifier}", "--json"],
        capsys,
        monkeypatch,
        PINGONE_CLIENT_SECRET=cli_sandbox["client_secret"],
    )
    assert code == 0, err
    assert json.loads(out)["token_type"] == "Bearer"


def test_token_with_private_key_jwt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from pinghelpers.sandbox.state import App

    monkeypatch.chdir(tmp_path)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "app-key.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    public.update(kid="cli-key", use="sig", alg="RS256")
    app_id = "44444444-4444-4444-8444-444444444444"
    with Sandbox() as sb:
        sb.issuer.environments[sb.env_id].apps[app_id] = App(
            id=app_id,
            name="pkj",
            secret=sb.client_secret,
            token_endpoint_auth_method="PRIVATE_KEY_JWT",
            jwks={"keys": [public]},
        )
        with PingOneClient(sandbox_settings(sb, client_id=app_id, auth_method="none")) as c:
            request = c.authorization_request()
            code = c.sign_on(request).code
        args = ["token", "--code", code, "--auth-path", sb.base_url, "--env-id", sb.env_id, "--client-id", app_id]
        args += [
            "--redirect-uri",
            sb.redirect_uri,
            f"--code-verifier={request.code_verifier}",
            "--auth",
            "private_key_jwt",
        ]
        code_missing, _, err = run_here(args, capsys, monkeypatch)
        assert code_missing == 2 and "--private-key" in err
        status, out, err = run_here(
            [*args, "--private-key", str(pem), "--kid", "cli-key", "--json"], capsys, monkeypatch
        )
    assert status == 0, err
    assert json.loads(out)["token_type"] == "Bearer"
