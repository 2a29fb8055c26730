"""``pinghelpers assertion``: build and print a CLIENT_SECRET_JWT client assertion."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from ..rules import METHOD_CLIENT_SECRET_JWT, allowed_algorithms
from ..timefmt import now as _clock_now
from .common import CliError, prompt_secret

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``assertion`` command to the ``pinghelpers`` parser's subcommands."""
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
    p.add_argument(
        "--alg", default="HS256", choices=allowed_algorithms(METHOD_CLIENT_SECRET_JWT), help="HMAC (default HS256)"
    )
    p.add_argument("--lifetime", type=int, default=300, help="seconds until exp (default 300, max 3600)")
    p.add_argument("--jti", action="store_true", help="add a random jti (PingOne ignores it; others need it)")
    p.add_argument("--iat", action="store_true", help="add iat = now")
    p.add_argument("--nbf", action="store_true", help="add nbf = now")
    p.add_argument("--claim", action="append", metavar="NAME=VALUE", help="an extra claim (VALUE may be JSON)")
    p.add_argument("--explain", action="store_true", help="also print the header and payload to stderr")
    p.set_defaults(func=run)


def _parse_claims(pairs: Sequence[str] | None) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    for pair in pairs or ():
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise CliError(f"--claim wants NAME=VALUE, got {pair!r}")
        try:
            claims[name] = json.loads(raw)  # numbers, booleans, lists and objects as JSON
        except ValueError:
            claims[name] = raw
    return claims


def run(args: argparse.Namespace) -> int:
    from ..assertion import build_client_assertion

    secret = prompt_secret("PINGONE_CLIENT_SECRET", "client secret")
    assertion = build_client_assertion(
        args.client_id,
        secret,
        args.audience,
        algorithm=args.alg,
        lifetime=args.lifetime,
        jti=True if args.jti else None,
        include_iat=args.iat,
        not_before=int(_clock_now()) if args.nbf else None,
        extra_claims=_parse_claims(args.claim) or None,
    )
    print(assertion.token)
    if args.explain:
        print("header:  " + json.dumps(dict(assertion.header)), file=sys.stderr)
        print("payload: " + json.dumps(dict(assertion.claims)), file=sys.stderr)
    return 0
