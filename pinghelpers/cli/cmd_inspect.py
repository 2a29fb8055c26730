"""``pinghelpers inspect``: decode a JWT, verify it, run PingOne's assertion checklist or the ID-token checks."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from ..rules import METHOD_CLIENT_SECRET_JWT, METHOD_PRIVATE_KEY_JWT
from .common import CliError

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``inspect`` command to the ``pinghelpers`` parser's subcommands."""
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
    p.add_argument(
        "token",
        nargs="?",
        help="the JWT: - reads it from stdin (preferred: a token on the command line is visible in `ps` and kept in "
        "shell history, and earns a warning), or omit it and use --token-env",
    )
    p.add_argument("--token-env", metavar="VAR", help="read the JWT from this environment variable instead")
    p.add_argument("--secret-env", metavar="VAR", help="name of the environment variable holding the client secret")
    p.add_argument("--jwks-url", metavar="URL", help="verify RS256/ES256 tokens with this JWKS (the issuer's jwks_uri)")
    p.add_argument("--client-id", help="expected iss/sub of an assertion, or aud of an ID token")
    p.add_argument("--audience", action="append", help="accepted assertion aud (repeatable; default: the token's aud)")
    p.add_argument("--issuer", help="expected iss of an ID token (turns on the ID-token checks)")
    p.add_argument("--nonce", help="the nonce sent in the authorization request")
    p.add_argument(
        "--access-token", help="the access token from the same response (checks at_hash); - reads it from stdin"
    )
    p.add_argument("--access-token-env", metavar="VAR", help="read --access-token from this environment variable")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..inspection import decode_unverified, inspect_jwt, validate_id_token
    from ..rules import check_assertion
    from .common import read_token

    if args.token and args.token_env:
        raise CliError("give the token once: TOKEN or --token-env, not both")
    token = (read_token(args.token, args.token_env, what="the token") or "").strip()
    if not token:
        raise CliError("no token: pass - and pipe it on stdin, or --token-env VAR")
    if args.access_token == "-" and args.token == "-":
        raise CliError("only one of TOKEN and --access-token can come from stdin; use --access-token-env")
    args.access_token = read_token(args.access_token, args.access_token_env, what="the access token")
    if "://" in token and "client_assertion=" in token:
        token = token.split("client_assertion=", 1)[1].split("&", 1)[0]
    decoded = decode_unverified(token)
    secret = None
    if args.secret_env:
        from ..secret import Secret

        value = os.environ.get(args.secret_env)
        if not value:
            raise CliError(f"--secret-env names {args.secret_env}, which is not set (or empty)")
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
            method=METHOD_CLIENT_SECRET_JWT if alg.startswith("HS") or not alg else METHOD_PRIVATE_KEY_JWT,
            assertion_type=None,
        )
        print("\nPingOne client-assertion checklist:")
        print(checklist)
        if not checklist.ok:
            status = 1
    elif args.issuer or args.client_id:
        if not (args.issuer and args.client_id):
            raise CliError("ID-token checks need both --issuer and --client-id")
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
