"""A local sandbox in its own process, for benchmarks and the load test: ``python -m benchmarks.serve``.

Prints one JSON line (the sandbox's settings, its throwaway secret included) and serves until stdin closes,
so the parent process controls its lifetime without signals and the sandbox never outlives it.
"""

from __future__ import annotations

import json
import sys

from pinghelpers.sandbox import Sandbox


def main() -> int:
    with Sandbox() as sandbox:
        print(json.dumps(sandbox.credentials(reveal=True)), flush=True)
        sys.stdin.read()  # returns at EOF: the parent closed our stdin (or exited)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
