"""``pinghelpers token``: exchange an authorization code (or a pasted redirect URL) for tokens, sent once."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .common import (
    CliError,
    add_client_options,
    add_target_options,
    fail_token,
    print_tokens,
    private_key,
    settings_from_args,
)

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``token`` command to the ``pinghelpers`` parser's subcommands."""
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
    add_client_options(p)
    add_target_options(p)
    p.add_argument(
        "--code-verifier",
        metavar="V",
        help="PKCE code_verifier from the authorize request (write --code-verifier=V when V starts with '-')",
    )
    p.add_argument(
        "--scope",
        help="optional: the scopes to get tokens for, a subset of those authorized (PingOne's Step 4 sends openid)",
    )
    p.add_argument("--json", action="store_true", help="print only the raw JSON answer (one line)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..client import PingOneClient

    settings = settings_from_args(args, need_secret=True)
    redirect = settings.redirect_uri
    if not redirect:
        raise CliError("no redirect URI: pass --redirect-uri (the one sent in the authorize request)")
    with PingOneClient(settings, private_key=private_key(args), kid=args.kid, timeout=args.timeout) as client:
        result = client.exchange_code(
            args.code, code_verifier=args.code_verifier, expected_state=args.state, scope=args.scope, check=False
        )
        if not result.ok:
            if args.json and result.body is not None:
                print(json.dumps(result.body))
            return fail_token(client, result)
    print_tokens(result, as_json=args.json)
    return 0
