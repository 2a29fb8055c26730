"""``python -m pinghelpers`` / ``pinghelpers``: the workbook's steps from the shell.

==========  ===================================================================================================
command     what it does
==========  ===================================================================================================
sandbox     run the local sandbox (an offline stand-in for PingOne on this machine)
assertion   print a CLIENT_SECRET_JWT client assertion
inspect     decode a JWT; verify it; PingOne's assertion checklist or OIDC ID-token checks (exit 1 on a failure)
token       exchange an authorization code (or a pasted redirect URL) for tokens — sent once, never retried
login       the whole flow: authorize → sign on (headless or in the browser) → token → ID-token checks
postman     ``postman export DIR``: the flow as a Postman collection + environment (newman runs it too)
==========  ===================================================================================================

Secrets never come from flags (they would land in shell history and ``ps``): the client secret comes from
``PINGONE_CLIENT_SECRET`` or a prompt, the user's password from ``PINGONE_PASSWORD`` or a prompt. Failures
exit non-zero with a one-paragraph explanation: what went wrong, the most likely cause and its fix.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]

_EPILOG = """\
the flow, one command per step:
  python -m pinghelpers sandbox                       # the local sandbox; prints its settings as JSON
  python -m pinghelpers assertion --client-id ID --audience https://auth.pingone.com/ENV/as/token
  python -m pinghelpers inspect eyJhbGciOi... --secret-env PINGONE_CLIENT_SECRET
  python -m pinghelpers token --code 'https://app.example.com/callback?code=...' \\
      --client-id ID --redirect-uri https://app.example.com/callback --env-id ENV --region EU
  python -m pinghelpers login --username alice        # all of it, settings from PINGONE_* / .env

Settings: flags win over PINGONE_* environment variables, which win over a .env file (searched upwards from
the current directory). The client secret is read from PINGONE_CLIENT_SECRET or prompted for; it is never a
flag. Run `pinghelpers COMMAND --help` for what each step sends and what PingOne checks.
"""


class _CliError(Exception):
    pass


def _cmd_sandbox(args: argparse.Namespace) -> int:
    import warnings

    from .errors import ConfigurationError
    from .sandbox import Sandbox

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            sandbox = Sandbox(
                host=args.host,
                port=args.port,
                allow_remote=args.allow_remote,
                client_secret=os.environ.get("PINGONE_SANDBOX_CLIENT_SECRET"),
                config=args.config,
            )
        except ConfigurationError as exc:
            raise _CliError(str(exc)) from None
        except ValueError as exc:  # a non-loopback --host without --allow-remote
            raise _CliError(str(exc)) from None
    for warning in caught:
        print(f"WARNING: {warning.message}", file=sys.stderr, flush=True)
    try:
        sandbox.start()
    except OSError as exc:
        raise _CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    # The one JSON line a script reads to talk to this sandbox. It carries the sandbox's own throwaway
    # secrets (random per start unless configured) — never a PingOne secret.
    print(json.dumps(sandbox.credentials(reveal=True)), flush=True)
    print(f"local sandbox listening on {sandbox.base_url} — Ctrl+C to stop", file=sys.stderr, flush=True)
    try:
        stop.wait()
    finally:
        sandbox.stop()
    return 0


def _paragraph(explanation: Any, *, already_said: str = "") -> str:
    """An :class:`~pinghelpers.explain.Explanation` as the one paragraph the CLI prints on failure
    (the summary is left out when it repeats ``already_said``)."""
    causes = list(explanation.causes)
    summary = "" if explanation.summary == already_said else f"{explanation.summary} "
    if not causes:
        return summary.strip()
    first, rest = causes[0], causes[1:4]
    text = f"{summary}Most likely: {first.cause}"
    if first.evidence:
        text += f" (seen: {first.evidence})"
    text += f". Fix: {first.fix.rstrip('.')}."
    if rest:
        text += " Also possible: " + "; ".join(c.cause for c in rest) + "."
    return text


def _secret_arg_guard(argv: Sequence[str]) -> None:
    # A secret on the command line lands in shell history and `ps` output; refuse it loudly.
    for arg in argv:
        if arg.split("=", 1)[0] in ("--client-secret", "--secret", "--password"):
            raise _CliError(
                f"{arg.split('=', 1)[0]} is not an option: secrets never come from flags (they would be visible in "
                "shell history and to other users via `ps`). Set PINGONE_CLIENT_SECRET / PINGONE_PASSWORD, or "
                "let the command prompt for them."
            )


def _prompt_secret(var: str, label: str) -> Any:
    from .secret import Secret

    value = os.environ.get(var)
    if not value:
        from .settings import find_dotenv

        found = find_dotenv()
        if found is not None:
            from dotenv import dotenv_values

            value = dotenv_values(found).get(var) or None
    if not value:
        if not sys.stdin or not sys.stdin.isatty():
            raise _CliError(
                f"no {label}: set {var} (environment or .env; it is never taken from a flag), or run in a terminal "
                "to be asked"
            )
        import getpass

        value = getpass.getpass(f"{label[0].upper()}{label[1:]} (input hidden): ")
        if not value:
            raise _CliError(f"no {label} given")
    return Secret(value)


def _add_target_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "where (default: PINGONE_* environment variables / .env)",
        "Pick one: a PingOne region + environment ID, an auth path (Postman {{authPath}}) + environment ID, a "
        "PingOne custom domain, or any OpenID Connect issuer URL (endpoints from its discovery document).",
    )
    g.add_argument("--env-id", metavar="UUID", help="PingOne environment ID (PINGONE_ENV_ID)")
    g.add_argument(
        "--region", metavar="R", help="NA (.com, default), CA, EU, AU (.com.au), SG or AP (.asia) (PINGONE_REGION)"
    )
    g.add_argument("--auth-path", metavar="URL", help="auth base URL instead of a region, e.g. the local sandbox's")
    g.add_argument("--custom-domain", metavar="HOST", help="a PingOne custom domain: no envID in the URLs")
    g.add_argument(
        "--issuer", metavar="URL", help="any OIDC issuer URL; endpoints from /.well-known/openid-configuration"
    )
    g.add_argument("--postman", metavar="FILE", help="read the settings from a Postman environment export")


def _settings_from_args(args: argparse.Namespace, *, need_secret: bool) -> Any:
    """Settings: PINGONE_* variables (and .env), then a Postman file, then flags — later wins."""
    from .settings import Settings

    target_flags = {
        "env_id": args.env_id,
        "region": args.region,
        "auth_path": args.auth_path,
        "custom_domain": args.custom_domain,
        "issuer": args.issuer,
    }
    base: dict[str, Any] = {}
    # PINGONE_* (and .env) first; the target flags are passed so that client ID, secret, redirect URI …
    # are still read from the environment when only the target comes from flags.
    env_settings = Settings.from_env(**{k: v for k, v in target_flags.items() if v})
    if env_settings is not None:
        base = {k: v for k, v in env_settings.as_dict(reveal=True).items() if v is not None}
        base.pop("source", None)
    if args.postman:
        postman = Settings.from_postman(args.postman)
        base.update({k: v for k, v in postman.as_dict(reveal=True).items() if v is not None})
    if any(target_flags.values()):
        # Flags naming a target replace the whole target, so a stale PINGONE_ISSUER cannot sneak in.
        for key in ("env_id", "region", "auth_path", "custom_domain", "issuer"):
            base.pop(key, None)
        base.update({k: v for k, v in target_flags.items() if v})
    for key in ("client_id", "redirect_uri", "scope", "auth_method", "assertion_alg", "username"):
        value = getattr(args, key, None)
        if value:
            base[key] = value
    if not any(base.get(k) for k in ("env_id", "auth_path", "issuer", "custom_domain")):
        raise _CliError(
            "say where PingOne is: --env-id UUID [--region R], --auth-path URL --env-id UUID, --custom-domain HOST, "
            "--issuer URL or --postman FILE (or set PINGONE_ENV_ID / PINGONE_ISSUER)"
        )
    if not base.get("client_id"):
        raise _CliError("no client ID: pass --client-id (or set PINGONE_CLIENT_ID)")
    method = base.get("auth_method", "client_secret_jwt")
    if need_secret and method in ("client_secret_jwt", "client_secret_basic", "client_secret_post"):
        if not base.get("client_secret"):
            base["client_secret"] = _prompt_secret("PINGONE_CLIENT_SECRET", "client secret")
    base["source"] = "command line"
    return Settings(**base)


def _private_key(args: argparse.Namespace) -> bytes | None:
    if getattr(args, "auth_method", None) != "private_key_jwt":
        return None
    if not args.private_key:
        raise _CliError("--auth private_key_jwt needs --private-key FILE (a PEM private key)")
    try:
        with open(args.private_key, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise _CliError(f"cannot read --private-key {args.private_key}: {exc.strerror}") from None


def _parse_claims(pairs: Sequence[str] | None) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    for pair in pairs or ():
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise _CliError(f"--claim wants NAME=VALUE, got {pair!r}")
        try:
            claims[name] = json.loads(raw)  # numbers, booleans, lists and objects as JSON
        except ValueError:
            claims[name] = raw
    return claims


def _cmd_assertion(args: argparse.Namespace) -> int:
    from .assertion import build_client_assertion

    secret = _prompt_secret("PINGONE_CLIENT_SECRET", "client secret")
    assertion = build_client_assertion(
        args.client_id,
        secret,
        args.audience,
        algorithm=args.alg,
        lifetime=args.lifetime,
        jti=True if args.jti else None,
        include_iat=args.iat,
        not_before=int(time.time()) if args.nbf else None,
        extra_claims=_parse_claims(args.claim) or None,
    )
    print(assertion.token)
    if args.explain:
        print("header:  " + json.dumps(dict(assertion.header)), file=sys.stderr)
        print("payload: " + json.dumps(dict(assertion.claims)), file=sys.stderr)
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    from .inspection import decode_unverified, inspect_jwt, validate_id_token
    from .rules import METHOD_PRIVATE_KEY_JWT, check_assertion

    token = (sys.stdin.read() if args.token == "-" else args.token).strip()
    if "://" in token and "client_assertion=" in token:
        token = token.split("client_assertion=", 1)[1].split("&", 1)[0]
    decoded = decode_unverified(token)
    secret = None
    if args.secret_env:
        from .secret import Secret

        value = os.environ.get(args.secret_env)
        if not value:
            raise _CliError(f"--secret-env names {args.secret_env}, which is not set (or empty)")
        secret = Secret(value)
    if secret is not None or args.jwks_url:
        decoded = inspect_jwt(token, secret=secret, jwks_uri=args.jwks_url)
    print("header:  " + json.dumps(dict(decoded.header), indent=2))
    print("payload: " + json.dumps(dict(decoded.claims), indent=2))
    for name, when in decoded.times().items():
        print(f"  {name:<9} {when}")
    print(f"signature: {decoded.verdict}")
    status = 0 if decoded.verified is not False else 1
    claims = decoded.claims
    alg = str(decoded.header.get("alg", ""))
    looks_like_assertion = claims.get("iss") is not None and claims.get("iss") == claims.get("sub")
    if alg.startswith("HS") or (looks_like_assertion and not args.issuer):
        client_id = str(args.client_id or claims.get("iss") or "")
        aud = claims.get("aud")
        audiences = args.audience or ([str(aud)] if isinstance(aud, str) else [str(a) for a in aud or []])
        if not args.audience:
            print("\nnote: aud is checked against the token's own aud; pass --audience TOKEN_ENDPOINT_URL to check it")
        checklist = check_assertion(
            token,
            client_id=client_id,
            audiences=audiences,
            secret=secret,
            method="CLIENT_SECRET_JWT" if alg.startswith("HS") or not alg else METHOD_PRIVATE_KEY_JWT,
            assertion_type=None,
        )
        print("\nPingOne client-assertion checklist:")
        print(checklist)
        if not checklist.ok:
            status = 1
    elif args.issuer or args.client_id:
        if not (args.issuer and args.client_id):
            raise _CliError("ID-token checks need both --issuer and --client-id")
        report = validate_id_token(
            token,
            client_id=args.client_id,
            issuer=args.issuer.rstrip("/"),
            nonce=args.nonce,
            access_token=args.access_token,
            jwks_uri=args.jwks_url,
        )
        print("\nID token checks (OpenID Connect Core §3.1.3.7):")
        print(report)
        if not report.ok:
            status = 1
    return status


def _print_tokens(result: Any, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.body))
        return
    print(f"HTTP {result.status}")
    print(json.dumps(result.body, indent=2))
    for name, decoded in result.decoded.items():
        print(f"\n{name} (decoded, not verified):")
        print("  " + json.dumps(dict(decoded.claims)))
        for claim, when in decoded.times().items():
            print(f"  {claim:<9} {when}")


def _fail_token(client: Any, result: Any) -> int:
    assert result.error is not None
    print(f"error: the token request failed — {result.error.message}", file=sys.stderr)
    print(_paragraph(client.explain(result)), file=sys.stderr)
    if result.request is not None:
        print("\nthe request that was sent (secrets masked):\n" + result.request.curl(), file=sys.stderr)
    return 1


def _cmd_token(args: argparse.Namespace) -> int:
    from .client import PingOneClient

    settings = _settings_from_args(args, need_secret=True)
    redirect = settings.redirect_uri
    if not redirect:
        raise _CliError("no redirect URI: pass --redirect-uri (the one sent in the authorize request)")
    with PingOneClient(settings, private_key=_private_key(args), kid=args.kid, timeout=args.timeout) as client:
        result = client.exchange_code(
            args.code, code_verifier=args.code_verifier, expected_state=args.state, check=False
        )
        if not result.ok:
            if args.json and result.body is not None:
                print(json.dumps(result.body))
            return _fail_token(client, result)
    _print_tokens(result, as_json=args.json)
    return 0


def _cmd_login(args: argparse.Namespace) -> int:
    from .client import PingOneClient
    from .errors import TokenValidationError
    from .explain import explain
    from .inspection import validate_id_token

    settings = _settings_from_args(args, need_secret=True)
    quiet = bool(args.json)

    def say(*parts: object) -> None:
        # Progress goes to stderr so stdout stays the token response (pipe it to jq).
        if not quiet:
            print(*parts, file=sys.stderr)

    with PingOneClient(settings, private_key=_private_key(args), kid=args.kid, timeout=args.timeout) as client:
        request = client.authorization_request()
        say(f"1. authorize: {client.endpoints.authorization_endpoint} (state, nonce, PKCE S256)")
        if args.browser:
            try:
                from .browser import browser_sign_on
            except ImportError:  # pragma: no cover - the module ships with the package
                raise _CliError("browser sign-on is not available in this installation") from None
            say(
                f"2. sign on in the browser; waiting up to {args.wait:.0f} s for the redirect to {request.params.get('redirect_uri')}"
            )
            say(f"   (if no browser opens, visit: {request.url})")
            result = browser_sign_on(client, request, timeout=args.wait)
        else:
            username = args.username or settings.username
            if not username:
                raise _CliError("headless sign-on needs --username (or PINGONE_USERNAME); or use --browser")
            password = settings.password or _prompt_secret("PINGONE_PASSWORD", f"password for {username}")
            say(f"2. sign on as {username} through the flows API (usernamePassword.check), then resume")
            result = client.sign_on(request, username, password)
        say("3. got an authorization code (the redirect's state matched the one sent)")
        say(f"4. token request to {client.endpoints.token_endpoint} with {settings.auth_method}")
        tokens = client.exchange_code(result.code, code_verifier=request.code_verifier, check=False)
        if not tokens.ok:
            return _fail_token(client, tokens)
        report = None
        if tokens.id_token:
            report = validate_id_token(
                tokens.id_token,
                client_id=str(settings.client_id),
                issuer=client.endpoints.issuer,
                nonce=request.nonce,
                access_token=tokens.access_token,
                jwks_uri=client.endpoints.jwks_uri,
            )
    _print_tokens(tokens, as_json=args.json)
    if report is not None:
        say("\n5. ID token checks (OpenID Connect Core §3.1.3.7):")
        say(str(report))
        first = report.first_failure
        if first is not None:
            error = TokenValidationError(f"ID token: {first.detail}", claim=first.claim, rule=first.rule, fix=first.fix)
            print(f"error: the ID token did not validate — {_paragraph(explain(error))}", file=sys.stderr)
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
        description="Serve PingOne's /{envID}/as/*, /{envID}/flows/* and /v1/environments/{envID}/* endpoints "
        "on 127.0.0.1 until interrupted. Prints one JSON line (issuer, auth_path, env_id, client_id, "
        "client_secret, redirect_uri, username, password, api_path, worker_id, worker_secret) once ready. "
        "Faults: POST /__sandbox/faults from this machine (see README, 'The local sandbox').",
    )
    p.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    p.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1; others need --allow-remote)")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host (prints a warning)")
    p.add_argument(
        "--config",
        metavar="FILE",
        help="JSON file of environments, applications (ids, secret, tokenEndpointAuthMethod, redirectUris, "
        "pkceEnforcement, jwks) and users — fixed credentials for a class (default: the built-in environment)",
    )
    p.set_defaults(func=_cmd_sandbox)

    p = sub.add_parser(
        "assertion",
        help="print a CLIENT_SECRET_JWT client assertion",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Build and print a client assertion: the JWT a CLIENT_SECRET_JWT application sends as client_assertion instead
of its secret. It is signed with the secret from PINGONE_CLIENT_SECRET (or a prompt) and carries what PingOne
checks (RFC 7523 §3 and PingOne's "Create a client secret JWT"):

  iss = sub = the client ID     aud = the token endpoint URL (or the issuer, or the endpoint called)
  exp = now + lifetime          PingOne refuses an exp more than 3600 s ahead; iat/jti are optional""",
        epilog="""\
example:
  export PINGONE_CLIENT_SECRET=...        # never a flag
  pinghelpers assertion --client-id ID --audience https://auth.pingone.eu/ENV/as/token --lifetime 120
  pinghelpers assertion ... | pinghelpers inspect - --secret-env PINGONE_CLIENT_SECRET""",
    )
    p.add_argument("--client-id", required=True, help="the application's client ID (becomes iss and sub)")
    p.add_argument(
        "--audience", required=True, help="the token endpoint URL, e.g. https://auth.pingone.com/ENV/as/token"
    )
    p.add_argument("--alg", default="HS256", choices=["HS256", "HS384", "HS512"], help="HMAC (default HS256)")
    p.add_argument("--lifetime", type=int, default=300, help="seconds until exp (default 300, max 3600)")
    p.add_argument("--jti", action="store_true", help="add a random jti (PingOne ignores it; others need it)")
    p.add_argument("--iat", action="store_true", help="add iat = now")
    p.add_argument("--nbf", action="store_true", help="add nbf = now")
    p.add_argument("--claim", action="append", metavar="NAME=VALUE", help="an extra claim (VALUE may be JSON)")
    p.add_argument("--explain", action="store_true", help="also print the header and payload to stderr")
    p.set_defaults(func=_cmd_assertion)

    p = sub.add_parser(
        "inspect",
        help="decode a JWT, verify it, check PingOne's assertion rules or validate an ID token",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Decode TOKEN ('-' reads it from stdin) and show its header, payload and times (UTC and relative).

  * client assertions (HS*, or iss = sub): checked against PingOne's CLIENT_SECRET_JWT rules — each rule
    pass/FAIL with the fix. Give --secret-env to check the signature too.
  * ID tokens: with --issuer and --client-id, validated per OpenID Connect Core §3.1.3.7 (iss, aud, exp,
    iat, nonce, at_hash, signature with --jwks-url).

Exit status: 0 when everything checked passed, 1 when a rule or the signature failed.""",
        epilog="""\
examples:
  pinghelpers inspect eyJhbGciOi... --secret-env PINGONE_CLIENT_SECRET --audience https://auth.pingone.com/ENV/as/token
  pinghelpers inspect "$ID_TOKEN" --issuer https://auth.pingone.com/ENV/as --client-id ID \\
      --jwks-url https://auth.pingone.com/ENV/as/jwks --nonce N""",
    )
    p.add_argument("token", help="the JWT, or - to read it from stdin")
    p.add_argument("--secret-env", metavar="VAR", help="name of the environment variable holding the client secret")
    p.add_argument("--jwks-url", metavar="URL", help="verify RS256/ES256 tokens with this JWKS (the issuer's jwks_uri)")
    p.add_argument("--client-id", help="expected iss/sub of an assertion, or aud of an ID token")
    p.add_argument("--audience", action="append", help="accepted assertion aud (repeatable; default: the token's aud)")
    p.add_argument("--issuer", help="expected iss of an ID token (turns on the ID-token checks)")
    p.add_argument("--nonce", help="the nonce sent in the authorization request")
    p.add_argument("--access-token", help="the access token from the same response (checks at_hash)")
    p.set_defaults(func=_cmd_inspect)

    p = sub.add_parser(
        "token",
        help="exchange an authorization code for tokens",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
POST the authorization code to the token endpoint, authenticated with CLIENT_SECRET_JWT (or --auth), and
print the token response. --code takes the bare code or the whole redirect URL you were sent to
(https://app.example.com/callback?code=...&state=...).

The request is sent exactly once and never retried: a code is single-use, and PingOne may revoke the tokens
issued from a code that is presented twice. On failure the command exits 1 and explains the likely causes.""",
        epilog="""\
examples:
  export PINGONE_CLIENT_SECRET=...
  pinghelpers token --code 'https://app.example.com/callback?code=...' --client-id ID \\
      --redirect-uri https://app.example.com/callback --env-id ENV --region EU --code-verifier V
  pinghelpers token --code C --client-id ID --redirect-uri URI --issuer https://idp.example.com --json""",
    )
    p.add_argument("--code", required=True, help="the code, or the redirect URL carrying it")
    p.add_argument("--state", help="the state sent in the authorize request; checked against the redirect URL's")
    _add_client_options(p)
    _add_target_options(p)
    p.add_argument(
        "--code-verifier",
        metavar="V",
        help="PKCE code_verifier from the authorize request (write --code-verifier=V when V starts with '-')",
    )
    p.add_argument("--json", action="store_true", help="print only the raw JSON answer (one line)")
    p.set_defaults(func=_cmd_token)

    p = sub.add_parser(
        "login",
        help="run the whole flow: authorize, sign on, exchange the code, validate the ID token",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
The whole authorization-code flow in one command:

  1. build the authorize request (state, nonce, PKCE S256)
  2. sign on — headless with --username through PingOne's flows API (the password comes from
     PINGONE_PASSWORD or a prompt), or --browser: your browser opens PingOne's sign-on page and a local
     server on the redirect URI's loopback port catches the redirect (register e.g.
     http://127.0.0.1:8765/callback on the application)
  3. exchange the code at the token endpoint with CLIENT_SECRET_JWT (or --auth)
  4. validate the ID token (signature via JWKS, iss, aud, exp, nonce, at_hash)

Settings come from PINGONE_* variables or .env unless given as flags.""",
        epilog="""\
examples:
  pinghelpers login --username alice                   # everything else from PINGONE_* / .env
  pinghelpers login --browser --redirect-uri http://127.0.0.1:8765/callback
  pinghelpers login --auth-path http://127.0.0.1:PORT --env-id ENV --client-id ID \\
      --redirect-uri https://app.example.com/callback --username USER    # against the local sandbox""",
    )
    how = p.add_mutually_exclusive_group()
    how.add_argument("--username", help="sign on headless as this user (password: PINGONE_PASSWORD or a prompt)")
    how.add_argument("--browser", action="store_true", help="sign on in the browser; catch the redirect on loopback")
    p.add_argument("--wait", type=float, default=120.0, help="seconds to wait for the browser redirect (default 120)")
    p.add_argument("--scope", help="scopes to request (default: PINGONE_SCOPE or 'openid profile email')")
    _add_client_options(p)
    _add_target_options(p)
    p.add_argument("--json", action="store_true", help="print only the token response JSON")
    p.set_defaults(func=_cmd_login)

    from .postman import add_cli_command  # `postman export DIR`: parser and command live in postman.py

    add_cli_command(sub)
    return parser


def _add_client_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("the application (default: PINGONE_* environment variables / .env)")
    g.add_argument("--client-id", help="the application's client ID (PINGONE_CLIENT_ID)")
    g.add_argument("--redirect-uri", help="a redirect URI registered on the application (PINGONE_REDIRECT_URI)")
    g.add_argument(
        "--auth",
        dest="auth_method",
        choices=["client_secret_jwt", "client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        help="client authentication, as the app's tokenEndpointAuthMethod (default client_secret_jwt)",
    )
    g.add_argument("--alg", dest="assertion_alg", choices=["HS256", "HS384", "HS512"], help="assertion HMAC")
    g.add_argument("--private-key", metavar="PEM", help="private key file for private_key_jwt")
    g.add_argument("--kid", help="key id (kid) for private_key_jwt")
    g.add_argument("--timeout", type=float, default=10.0, help="seconds per HTTP call (default 10)")


def main(argv: Sequence[str] | None = None) -> int:
    from .errors import PingHelpersError
    from .explain import explain

    parser = build_parser()
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        _secret_arg_guard(arguments)
    except _CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args = parser.parse_args(arguments)
    try:
        return int(args.func(args))
    except _CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PingHelpersError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        print(_paragraph(explain(exc), already_said=exc.message), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
