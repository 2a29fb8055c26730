"""``python -m pinghelpers`` / ``pinghelpers``: the workbook's steps from the shell.

==========  ===================================================================================================
command     what it does
==========  ===================================================================================================
sandbox     run the local sandbox (an offline stand-in for PingOne on this machine)
assertion   print a CLIENT_SECRET_JWT client assertion
inspect     decode a JWT; verify it; PingOne's assertion checklist or OIDC ID-token checks (exit 1 on a failure)
token       exchange an authorization code (or a pasted redirect URL) for tokens — sent once, never retried
login       the whole flow: authorize → sign on (headless, browser or pasted URL) → token → ID-token checks
postman     ``postman export DIR``: the flow as a Postman collection + environment (newman runs it too)
probe       the same probes against your target and a local sandbox configured like it: what differs
==========  ===================================================================================================

One module per command (``cmd_<name>.py``: its ``register(sub)`` adds the arguments, its ``run(args)`` does
the work); :mod:`pinghelpers.cli.common` holds what they share (settings from flags, secrets from the
environment or a prompt, how a failure is printed). A new command is a new module plus one line in ``COMMANDS``.

Secrets never come from flags (they would land in shell history and ``ps``): the client secret comes from
``PINGONE_CLIENT_SECRET`` or a prompt, the user's password from ``PINGONE_PASSWORD`` or a prompt. Failures
exit non-zero with a one-paragraph explanation: what went wrong, the most likely cause and its fix.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import cmd_assertion, cmd_inspect, cmd_login, cmd_postman, cmd_probe, cmd_sandbox, cmd_token
from .common import CliError, RedactingParser, paragraph, secret_arg_guard

__all__ = ["COMMANDS", "build_parser", "main"]

#: The subcommands, in the order ``--help`` lists them.
COMMANDS = (cmd_sandbox, cmd_assertion, cmd_inspect, cmd_token, cmd_login, cmd_postman, cmd_probe)

EPILOG = """\
the flow, one command per step:
  python -m pinghelpers sandbox                       # the local sandbox; prints its settings as JSON
  python -m pinghelpers assertion --client-id ID --audience https://auth.pingone.com/ENV/as/token
  python -m pinghelpers inspect eyJhbGciOi... --secret-env PINGONE_CLIENT_SECRET
  python -m pinghelpers token --code 'https://app.example.com/callback?code=...' \\
      --client-id ID --redirect-uri https://app.example.com/callback --env-id ENV --region EU
  python -m pinghelpers login --username alice        # all of it, settings from PINGONE_* / .env

Settings: flags win over PINGONE_* environment variables, which win over a .env file (read from the current
directory, or the project root when run inside notebooks/; the file used is named on stderr). The client secret
is read from PINGONE_CLIENT_SECRET or prompted for; it is never a flag. Tokens: pass - to read one from stdin,
or --token-env VAR, rather than on the command line (where `ps` and shell history keep it). Run `pinghelpers COMMAND --help` for what each step sends and what PingOne checks.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = RedactingParser(
        prog="pinghelpers",
        description="PingOne's authorization-code flow with CLIENT_SECRET_JWT client authentication — against "
        "your PingOne environment, or the local sandbox (an offline stand-in for PingOne on this machine).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="write every HTTP exchange to FILE as a masked JSON-lines cassette (like PINGHELPERS_RECORD)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from ..errors import PingHelpersError
    from ..explain import explain

    parser = build_parser()
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        secret_arg_guard(arguments)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args = parser.parse_args(arguments)
    if args.record:
        # settings_from_args starts the recording once it knows the secrets to mask literally
        os.environ["PINGHELPERS_RECORD"] = args.record
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PingHelpersError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        print(paragraph(explain(exc), already_said=exc.message), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
