"""``make load``: many learners running the full flow at once against one local sandbox.

    python -m benchmarks.load [--learners 50] [--flows 5] [--time-limit 120] [--in-process]

Each learner is a thread with its own client (own ``requests.Session`` and cookies) doing authorize →
flows API → resume → token, ``--flows`` times. The sandbox runs in its own process (``--in-process`` puts it
in this one), on loopback. Exits non-zero on any error. Prints p50/p99 of the full flow.
"""

from __future__ import annotations

import argparse
import sys

from pinghelpers.local import sandbox_settings

from .common import Figure, machine, percentile, run_load, sandbox_process, save


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--flows", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.learners <= 500 or not 1 <= args.flows <= 1000:
        parser.error("learners must be 1-500 and flows 1-1000 (the load test is bounded on purpose)")

    print(f"load: {machine()}")
    if args.in_process:
        from pinghelpers.sandbox import Sandbox

        with Sandbox() as sandbox:
            result = run_load(
                sandbox_settings(sandbox), learners=args.learners, flows=args.flows, time_limit=args.time_limit
            )
    else:
        with sandbox_process() as proc:
            result = run_load(proc.settings(), learners=args.learners, flows=args.flows, time_limit=args.time_limit)
    print(f"load: {result.summary()}")
    for error in sorted(set(result.errors))[:10]:
        print(f"load: error ×{result.errors.count(error)}: {error}", file=sys.stderr)
    save(
        "load",
        [
            Figure("load full flow p50", percentile(result.latencies, 50) * 1e3, "ms"),
            Figure("load full flow p99", percentile(result.latencies, 99) * 1e3, "ms"),
            Figure(
                "load errors", len(result.errors), "errors", extra={"learners": result.learners, "held": result.held}
            ),
        ],
    )
    return 1 if result.errors or result.completed != args.learners * args.flows else 0


if __name__ == "__main__":
    raise SystemExit(main())
