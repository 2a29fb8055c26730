"""``pinghelpers sandbox``: run the local sandbox until interrupted; print its settings as one JSON line."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import Any

from .common import CliError

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the ``sandbox`` command to the ``pinghelpers`` parser's subcommands."""
    p = sub.add_parser(
        "sandbox",
        help="run the local sandbox (PingOne's auth endpoints on loopback)",
        description="Serve PingOne's /{envID}/as/*, /{envID}/flows/* and /v1/environments/{envID}/* endpoints "
        "on 127.0.0.1 until interrupted. Prints one JSON line (issuer, auth_path, env_id, client_id, "
        "client_secret, redirect_uri, username, password, api_path, worker_id, worker_secret) once ready. "
        "Faults: POST /__sandbox/faults from this machine with the X-Sandbox-Token printed on the ready line "
        "(see README, 'The local sandbox').",
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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import warnings

    from ..errors import ConfigurationError
    from ..sandbox import Sandbox

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
            raise CliError(str(exc)) from None
        except ValueError as exc:  # a non-loopback --host without --allow-remote
            raise CliError(str(exc)) from None
    for warning in caught:
        print(f"WARNING: {warning.message}", file=sys.stderr, flush=True)
    try:
        sandbox.start()
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    # The one JSON line a script reads to talk to this sandbox. It carries the sandbox's own throwaway
    # secrets (random per start unless configured) — never a PingOne secret.
    print(json.dumps(sandbox.credentials(reveal=True)), flush=True)
    print(
        f"local sandbox listening on {sandbox.base_url} — fault switch token (X-Sandbox-Token): "
        f"{sandbox.admin_token} — Ctrl+C to stop",
        file=sys.stderr,
        flush=True,
    )
    try:
        stop.wait()
    finally:
        sandbox.stop()
    return 0
