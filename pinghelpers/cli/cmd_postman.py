"""``pinghelpers postman export DIR``: the flow as a Postman collection + environment (newman runs it too)."""

from __future__ import annotations

import argparse
from typing import Any

from ..postman_collection import export_postman
from ..settings import Settings


def register(subparsers: Any) -> None:
    """Register ``postman export DIR`` on the CLI's subcommands."""
    parser = subparsers.add_parser(
        "postman",
        help="export the flow as a Postman collection + environment",
        description="Postman files for PingOne's CLIENT_SECRET_JWT flow.",
    )
    actions = parser.add_subparsers(dest="postman_command", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export",
        help="write the collection and its environment into DIR",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Write two files into DIR for Postman (File → Import), or for newman:

  PingOne-CLIENT_SECRET_JWT.postman_collection.json   authorize (pi.flow) → usernamePassword.check → resume →
                                                      token (client assertion built by a pre-request script,
                                                      HS256 with CryptoJS) → userinfo; tests in each request
  PingOne-CLIENT_SECRET_JWT.postman_environment.json  your settings in the keys of PingOne's workflow template

The settings come from PINGONE_* variables or .env; with none, the environment is the template to fill in.
Secrets (appJwtSecret, userPassword) are typed secret and left empty: set their current values in Postman.
--include-secrets writes them (from PINGONE_CLIENT_SECRET / PINGONE_PASSWORD) into a file only you can read.""",
        epilog="""\
examples:
  pinghelpers postman export postman/               # then in Postman: Import → both files
  newman run postman/PingOne-CLIENT_SECRET_JWT.postman_collection.json \\
      -e postman/PingOne-CLIENT_SECRET_JWT.postman_environment.json    # after filling in the secrets""",
    )
    export.add_argument("directory", metavar="DIR", help="folder to write into (created if missing)")
    export.add_argument("--name", default="PingOne CLIENT_SECRET_JWT", help="the collection's and environment's name")
    export.add_argument(
        "--include-secrets", action="store_true", help="write the secrets too (file mode 600; careful when sharing)"
    )
    export.set_defaults(func=_cli_export)


def _cli_export(args: Any) -> int:
    settings = Settings.from_env()
    done = export_postman(settings, args.directory, name=args.name, include_secrets=args.include_secrets)
    where = f"settings from {settings.source}" if settings is not None else "no PINGONE_* settings: a template to fill"
    print(f"wrote {done.collection}")
    print(f"wrote {done.environment} ({where})")
    print(f"requests: {' → '.join(r.split(' · ', 1)[-1] for r in done.requests)}")
    if not args.include_secrets:
        print("next: Postman → Import → both files; select the environment; set appJwtSecret and userPassword")
    return 0
