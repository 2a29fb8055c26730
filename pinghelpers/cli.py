"""``python -m pinghelpers`` / ``pinghelpers``: the workbook's steps from the shell.

Secrets never come from flags (they would land in shell history and ``ps``): the client secret comes from
``PINGONE_CLIENT_SECRET`` or a prompt. Failures exit non-zero with a one-paragraph explanation.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]

_EPILOG = """\
examples:
  python -m pinghelpers sandbox                       # the local sandbox; prints its settings as JSON
  python -m pinghelpers assertion --client-id ID --audience https://auth.pingone.com/ENV/as/token
  python -m pinghelpers inspect eyJhbGciOi... --secret-env PINGONE_CLIENT_SECRET
  python -m pinghelpers token --code 'https://app.example.com/callback?code=...' \\
      --client-id ID --redirect-uri https://app.example.com/callback --env-id ENV --region EU

The client secret is read from PINGONE_CLIENT_SECRET, or prompted for; it is never a flag.
"""


def _secret_from_env_or_prompt(var: str = "PINGONE_CLIENT_SECRET") -> Any:
    from .secret import Secret

    value = os.environ.get(var)
    if not value:
        if not sys.stdin or not sys.stdin.isatty():
            raise _CliError(f"no client secret: set {var} (the secret is never taken from a flag)")
        import getpass

        value = getpass.getpass("Client secret (input hidden): ")
    return Secret(value)


class _CliError(Exception):
    pass


def _cmd_sandbox(args: argparse.Namespace) -> int:
    from .sandbox import Sandbox

    sandbox = Sandbox(
        host=args.host,
        port=args.port,
        allow_remote=args.allow_remote,
        client_secret=os.environ.get("PINGONE_SANDBOX_CLIENT_SECRET"),
    )
    sandbox.start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    # The one JSON line a script reads to talk to this sandbox. It carries the sandbox's own throwaway
    # secret (random per start unless configured) — never a PingOne secret.
    print(json.dumps(sandbox.credentials(reveal=True)), flush=True)
    print(f"local sandbox listening on {sandbox.base_url} — Ctrl+C to stop", file=sys.stderr, flush=True)
    try:
        stop.wait()
    finally:
        sandbox.stop()
    return 0


def _cmd_assertion(args: argparse.Namespace) -> int:
    from .assertion import build_client_assertion

    secret = _secret_from_env_or_prompt()
    assertion = build_client_assertion(
        args.client_id,
        secret,
        args.audience,
        algorithm=args.alg,
        lifetime=args.lifetime,
        jti=True if args.jti else None,
    )
    print(assertion.token)
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    from .inspection import decode_unverified, inspect_jwt
    from .rules import check_assertion

    token = args.token if args.token != "-" else sys.stdin.read().strip()
    decoded = decode_unverified(token)
    secret = None
    if args.secret_env:
        from .secret import Secret

        value = os.environ.get(args.secret_env)
        if not value:
            raise _CliError(f"--secret-env names {args.secret_env}, which is not set")
        secret = Secret(value)
    if secret is not None or args.jwks_url:
        decoded = inspect_jwt(token, secret=secret, jwks_uri=args.jwks_url)
    print("header: " + json.dumps(dict(decoded.header), indent=2))
    print("payload: " + json.dumps(dict(decoded.claims), indent=2))
    for name, when in decoded.times().items():
        print(f"  {name}: {when}")
    print(f"verdict: {decoded.verdict}")
    status = 0 if decoded.verified is not False else 1
    if str(decoded.header.get("alg", "")).startswith("HS"):
        claims = decoded.claims
        client_id = str(args.client_id or claims.get("iss") or "")
        audiences = args.audience or ([str(claims["aud"])] if isinstance(claims.get("aud"), str) else [])
        checklist = check_assertion(token, client_id=client_id, audiences=audiences, secret=secret)
        print("PingOne CLIENT_SECRET_JWT checklist:")
        print(checklist)
        if not checklist.ok:
            status = 1
    return status


def _cmd_token(args: argparse.Namespace) -> int:
    from .client import PingOneClient
    from .explain import explain
    from .settings import Settings

    target: dict[str, Any] = {}
    if args.issuer:
        target["issuer"] = args.issuer
    elif args.auth_path:
        target.update(auth_path=args.auth_path, env_id=args.env_id)
    else:
        if not args.env_id:
            raise _CliError(
                "say where the token endpoint is: --issuer URL, --auth-path URL --env-id ID, "
                "or --env-id ID [--region R]"
            )
        target.update(env_id=args.env_id, region=args.region or "NA")
    needs_secret = args.auth in ("client_secret_jwt", "client_secret_basic", "client_secret_post")
    settings = Settings(
        client_id=args.client_id,
        redirect_uri=args.redirect_uri,
        auth_method=args.auth,
        client_secret=_secret_from_env_or_prompt() if needs_secret else None,
        **target,
    )
    private_key = None
    if args.auth == "private_key_jwt":
        if not args.private_key:
            raise _CliError("--auth private_key_jwt needs --private-key FILE (PEM)")
        with open(args.private_key, "rb") as fh:
            private_key = fh.read()
    with PingOneClient(settings, private_key=private_key, kid=args.kid) as client:
        result = client.exchange_code(args.code, code_verifier=args.code_verifier, check=False)
    if args.json or result.ok:
        print(json.dumps(result.body, indent=None if args.json else 2))
    if not result.ok:
        assert result.error is not None
        print(f"token request failed: {result.error}", file=sys.stderr)
        print(str(explain(result.error)), file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pinghelpers",
        description="PingOne's authorization-code flow with CLIENT_SECRET_JWT client authentication — against "
        "your PingOne environment, or the local sandbox (an offline stand-in for PingOne on this machine).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "sandbox",
        help="run the local sandbox (PingOne's auth endpoints on loopback)",
        description="Serve PingOne's /{envID}/as/* endpoints on 127.0.0.1 until interrupted. "
        "Prints one JSON line (issuer, auth_path, env_id, client_id, client_secret, redirect_uri, "
        "username, password) once ready.",
    )
    p.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    p.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1; others need --allow-remote)")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host (prints a warning)")
    p.set_defaults(func=_cmd_sandbox)

    p = sub.add_parser(
        "assertion",
        help="print a CLIENT_SECRET_JWT client assertion",
        description="Build and print a client assertion signed with the secret from "
        "PINGONE_CLIENT_SECRET: iss = sub = the client ID, aud = the token endpoint, exp = now + "
        "lifetime (PingOne refuses more than 3600 s).",
    )
    p.add_argument("--client-id", required=True)
    p.add_argument(
        "--audience", required=True, help="the token endpoint URL, e.g. https://auth.pingone.com/ENV/as/token"
    )
    p.add_argument("--alg", default="HS256", choices=["HS256", "HS384", "HS512"])
    p.add_argument("--lifetime", type=int, default=300, help="seconds until exp (max 3600)")
    p.add_argument("--jti", action="store_true", help="add a random jti")
    p.set_defaults(func=_cmd_assertion)

    p = sub.add_parser(
        "inspect",
        help="decode a JWT, verify it, and check PingOne's assertion rules",
        description="Decode TOKEN ('-' reads stdin). With --secret-env or --jwks-url the signature is "
        "verified. HS* tokens are also checked against PingOne's CLIENT_SECRET_JWT rules; exit 1 "
        "if a rule fails or the signature does not verify.",
    )
    p.add_argument("token")
    p.add_argument("--secret-env", metavar="VAR", help="environment variable holding the client secret")
    p.add_argument("--jwks-url", help="verify RS256 tokens with this JWKS")
    p.add_argument("--client-id", help="expected iss/sub (default: the token's iss)")
    p.add_argument("--audience", action="append", help="accepted aud (repeatable; default: the token's aud)")
    p.set_defaults(func=_cmd_inspect)

    p = sub.add_parser(
        "token",
        help="exchange an authorization code for tokens",
        description="POST the code to the token endpoint with CLIENT_SECRET_JWT (or --auth). "
        "Accepts the bare code or the whole redirect URL. Never retried: codes are single-use.",
    )
    p.add_argument("--code", required=True, help="the code, or the redirect URL carrying it")
    p.add_argument("--client-id", required=True)
    p.add_argument("--redirect-uri", required=True)
    p.add_argument("--issuer", help="any OIDC issuer URL (endpoints from discovery)")
    p.add_argument("--env-id", help="PingOne environment ID")
    p.add_argument("--region", help="NA, CA, EU, AU, SG or AP (default NA)")
    p.add_argument("--auth-path", help="auth base URL instead of a region (Postman {{authPath}})")
    p.add_argument(
        "--auth",
        default="client_secret_jwt",
        choices=["client_secret_jwt", "client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
    )
    p.add_argument("--private-key", help="PEM file for private_key_jwt")
    p.add_argument("--kid", help="key id for private_key_jwt")
    p.add_argument("--code-verifier", help="PKCE code_verifier from the authorize request")
    p.add_argument("--json", action="store_true", help="print the raw JSON answer only")
    p.set_defaults(func=_cmd_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .errors import PingHelpersError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except _CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PingHelpersError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
