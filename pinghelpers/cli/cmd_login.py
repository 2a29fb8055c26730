"""``pinghelpers login``: the whole flow — authorize, sign on (headless, browser or pasted URL), token, ID-token checks."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import (
    CliError,
    add_client_options,
    add_target_options,
    fail_token,
    paragraph,
    print_tokens,
    private_key,
    prompt_secret,
    settings_from_args,
)

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``login`` command to the ``pinghelpers`` parser's subcommands."""
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
     http://127.0.0.1:8765/callback on the application), or --paste: open the printed URL in any
     browser and paste back the address it lands on (works with any registered redirect URI).
     With none of the three, the workbook's rule (pinghelpers.signon) chooses: headless when a username
     is known (PINGONE_USERNAME), else the browser on a loopback redirect URI, else (in a terminal) --paste
  3. exchange the code at the token endpoint with CLIENT_SECRET_JWT (or --auth)
  4. validate the ID token (signature via JWKS, iss, aud, exp, nonce, at_hash)

Settings come from PINGONE_* variables or .env unless given as flags.""",
        epilog="""\
examples:
  pinghelpers login --username alice                   # everything else from PINGONE_* / .env
  pinghelpers login --browser --redirect-uri http://127.0.0.1:8765/callback
  pinghelpers login --paste --redirect-uri https://app.example.com/callback
  pinghelpers login --auth-path http://127.0.0.1:PORT --env-id ENV --client-id ID \\
      --redirect-uri https://app.example.com/callback --username USER    # against the local sandbox""",
    )
    how = p.add_mutually_exclusive_group()
    how.add_argument("--username", help="sign on headless as this user (password: PINGONE_PASSWORD or a prompt)")
    how.add_argument("--browser", action="store_true", help="sign on in the browser; catch the redirect on loopback")
    how.add_argument(
        "--paste",
        action="store_true",
        help="print the authorize URL, sign on in any browser, paste the redirect URL back (any redirect URI)",
    )
    p.add_argument("--wait", type=float, default=120.0, help="seconds to wait for the browser redirect (default 120)")
    p.add_argument("--scope", help="scopes to request (default: PINGONE_SCOPE or 'openid profile email')")
    add_client_options(p)
    add_target_options(p)
    p.add_argument("--json", action="store_true", help="print only the token response JSON")
    p.set_defaults(func=run)


def _ask_for_redirect(authorize_url: str) -> str:
    """The pasted sign-on: show the authorize URL on stderr, read the URL the browser landed on from stdin."""
    print(
        "2. open this URL in any browser, sign on, then paste the address you are sent back to "
        f"(…?code=…&state=…):\n   {authorize_url}",
        file=sys.stderr,
        flush=True,
    )
    if sys.stdin is None:
        raise CliError("--paste reads the redirect URL from stdin, and there is none")
    pasted = sys.stdin.readline().strip()
    if not pasted:
        raise CliError("no redirect URL pasted")
    return pasted


def run(args: argparse.Namespace) -> int:
    from ..client import PingOneClient
    from ..errors import TokenValidationError
    from ..explain import explain
    from ..inspection import validate_id_token
    from ..signon import BROWSER, HEADLESS, PASTE, choose_method, sign_on

    settings = settings_from_args(args, need_secret=True)
    quiet = bool(args.json)

    def say(*parts: object) -> None:
        # Progress goes to stderr so stdout stays the token response (pipe it to jq).
        if not quiet:
            print(*parts, file=sys.stderr)

    with PingOneClient(settings, private_key=private_key(args), kid=args.kid, timeout=args.timeout) as client:
        request = client.authorization_request()
        say(f"1. authorize: {client.endpoints.authorization_endpoint} (state, nonce, PKCE S256)")
        username = args.username or settings.username
        password = None
        if username and not (args.browser or args.paste):
            password = settings.password or prompt_secret("PINGONE_PASSWORD", f"password for {username}")
        # A flag says how; without one, signon's rule chooses — the same rule as the workbook's Target.sign_on.
        paste = _ask_for_redirect if sys.stdin is not None and sys.stdin.isatty() else None
        method = (
            BROWSER
            if args.browser
            else PASTE
            if args.paste
            else choose_method(request, username=username, password=password, paste=paste)
        )
        if method == HEADLESS:
            say(f"2. sign on as {username} through the flows API (usernamePassword.check), then resume")
        elif method == BROWSER:
            say(
                f"2. sign on in the browser; waiting up to {args.wait:.0f} s for the redirect to "
                f"{request.params.get('redirect_uri')}"
            )
            say(f"   (if no browser opens, visit: {request.url})")
        result = sign_on(
            client,
            request,
            method=method,
            username=username,
            password=password,
            timeout=args.wait,
            paste=_ask_for_redirect,
        )
        say("3. got an authorization code (the redirect's state matched the one sent)")
        say(f"4. token request to {client.endpoints.token_endpoint} with {settings.auth_method}")
        tokens = client.exchange_code(result.code, code_verifier=request.code_verifier, check=False)
        if not tokens.ok:
            return fail_token(client, tokens)
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
    print_tokens(tokens, as_json=args.json)
    if report is not None:
        say("\n5. ID token checks (OpenID Connect Core §3.1.3.7):")
        say(str(report))
        first = report.first_failure
        if first is not None:
            error = TokenValidationError(f"ID token: {first.detail}", claim=first.claim, rule=first.rule, fix=first.fix)
            print(f"error: the ID token did not validate — {paragraph(explain(error))}", file=sys.stderr)
            return 1
    return 0
