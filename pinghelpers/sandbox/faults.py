"""One-shot fault injection: make the next request(s) fail for exactly one reason.

The troubleshooting notebook uses it to show each failure on cue::

    sandbox.faults.inject("wrong_audience")        # the next token request is refused for its aud
    sandbox.faults.inject("unavailable", count=2)  # the next two requests get 503

Also reachable over HTTP from loopback only: ``POST /__sandbox/faults`` with ``{"fault": ..., "count": N}``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["FAULTS", "Fault", "FaultSwitch"]

# fault name → (which endpoints it applies to, what it does)
FAULTS: dict[str, tuple[frozenset[str], str]] = {
    "clock_skew": (
        frozenset({"token"}),
        "the server's clock runs 2 hours ahead: the assertion looks expired",
    ),
    "expired_code": (frozenset({"token"}), "the authorization code is treated as expired"),
    "wrong_audience": (frozenset({"token"}), "the server's accepted audience changes: aud no longer matches"),
    "server_error": (frozenset({"*"}), "HTTP 500 UNEXPECTED_ERROR"),
    "unavailable": (frozenset({"*"}), "HTTP 503 Service Unavailable with Retry-After"),
    "slow": (frozenset({"*"}), "the answer is delayed by `delay` seconds (default 3)"),
    "rotated_secret": (
        frozenset({"token"}),
        "the app's secret was rotated: signatures with the old one fail",
    ),
}


@dataclass
class Fault:
    name: str
    remaining: int
    delay: float = 3.0

    @property
    def endpoints(self) -> frozenset[str]:
        return FAULTS[self.name][0]


class FaultSwitch:
    """A thread-safe queue of armed faults. ``take(endpoint)`` consumes one matching fault, if any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[Fault] = []

    def inject(self, name: str, *, count: int = 1, delay: float = 3.0) -> Fault:
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
        if not 1 <= count <= 1000:
            raise ValueError("count must be between 1 and 1000")
        if not 0 <= delay <= 60:
            raise ValueError("delay must be between 0 and 60 seconds")
        fault = Fault(name, count, delay)
        with self._lock:
            self._armed.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def take(self, endpoint: str) -> Fault | None:
        with self._lock:
            for fault in self._armed:
                if "*" in fault.endpoints or endpoint in fault.endpoints:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._armed.remove(fault)
                    return Fault(fault.name, 1, fault.delay)
        return None

    @property
    def armed(self) -> list[dict[str, object]]:
        with self._lock:
            return [{"fault": f.name, "remaining": f.remaining} for f in self._armed]
