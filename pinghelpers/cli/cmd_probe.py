"""``pinghelpers probe``: the same documented-behaviour probes against your target and a local sandbox like it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .common import CliError

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``probe`` command to the ``pinghelpers`` parser's subcommands."""
    p = sub.add_parser(
        "probe",
        help="where does the local sandbox differ from your PingOne environment? (a fidelity report)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Send the same documented-behaviour probes to the configured target (PINGONE_* settings / .env, as every
command) and to a local sandbox started here with the same client ID, auth method, redirect URI and scopes;
report per probe the target's answer, the local sandbox's, and whether status, keys and error code are the same
(never ids, times or tokens). Probes needing PINGONE_USERNAME/PINGONE_PASSWORD are skipped when those are unset.

Safe live: at most 60 requests to the target, one at a time (--pause between them); the app's own auth method
only; a broken assertion goes with a made-up code; every answer shown or saved is masked.

Exit status: 0 no difference, 1 differences (listed first, each with what it means for the workbook), 2 could
not run.""",
        epilog="""\
examples:
  pinghelpers probe                      # text report
  pinghelpers probe --json > probe.json  # {"target", "probes": [{"name","target","local","same","note"}], ...}
  pinghelpers probe --html probe.html --pause 1""",
    )
    p.add_argument("--json", action="store_true", help="print one JSON document instead of the text report")
    p.add_argument("--html", metavar="FILE", help="also write the report as an HTML page")
    p.add_argument("--pause", metavar="S", type=float, default=0.0, help="seconds between requests (rate limits)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import PingHelpersError
    from ..probe import probe

    if args.pause < 0:
        raise CliError("--pause must be 0 or more seconds")
    try:
        report = probe(pause=args.pause)
    except PingHelpersError as exc:
        # Could not run: one paragraph, exit 2.
        fix = f" Fix: {exc.fix.rstrip('.')}." if exc.fix else ""
        print(f"probe could not run: {exc.message}.{fix}", file=sys.stderr)
        return 2
    if args.html:
        from ..display.probe import probe_page

        Path(args.html).write_text(probe_page(report), encoding="utf-8")
    print(report.to_json() if args.json else str(report))
    return report.exit_code
