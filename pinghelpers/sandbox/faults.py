"""One-shot fault injection: make the next request(s) fail for exactly one reason.

The troubleshooting notebook uses it to show each failure on cue::

    sandbox.faults.inject("wrong_audience")        # the next client assertion at /as/token is refused for its aud
    sandbox.faults.inject("unavailable", count=2)  # the next two requests (any endpoint) get 503
    sandbox.faults.inject("server_error", endpoint="token")  # only the next token request gets 500

Also reachable over HTTP, from loopback only: ``POST /__sandbox/faults`` with
``{"fault": "slow", "count": 1, "delay": 2, "endpoint": "token"}``; ``GET`` lists what is armed, ``DELETE`` disarms.

A fault is consumed only where it applies — at the check it breaks — so an armed ``expired_code`` waits for the
next authorization-code exchange, even if discovery, a flow call or a refresh happens first.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["ENDPOINTS", "FAULTS", "Fault", "FaultSpec", "FaultSwitch"]


@dataclass(frozen=True)
class FaultSpec:
    """What a fault does and where it is consumed.

    ``point`` is the check that consumes it: ``"request"`` (before any handler runs), ``"client_assertion"``
    (a CLIENT_SECRET_JWT / PRIVATE_KEY_JWT check), ``"client_secret"`` (any check of the app's secret) or
    ``"authorization_code"`` (redeeming a code). ``endpoints`` restricts where; ``"*"`` means any endpoint.
    """

    point: str
    endpoints: frozenset[str]
    description: str


# The endpoint names a fault can target (the route table's endpoint names).
ENDPOINTS = frozenset(
    {
        "discovery",
        "jwks",
        "authorize",
        "signon",
        "flows",
        "resume",
        "token",
        "userinfo",
        "introspect",
        "revoke",
        "signoff",
        "management",
    }
)

FAULTS: dict[str, FaultSpec] = {
    "clock_skew": FaultSpec(
        "client_assertion",
        frozenset({"token"}),
        "the server's clock runs 2 hours ahead: the client assertion looks expired (rule exp-not-expired)",
    ),
    "expired_code": FaultSpec(
        "authorization_code",
        frozenset({"token"}),
        "the authorization code is treated as expired (invalid_grant)",
    ),
    "wrong_audience": FaultSpec(
        "client_assertion",
        frozenset({"token"}),
        "the server's accepted audience changes: the assertion's aud no longer matches (rule aud-accepted)",
    ),
    "rotated_secret": FaultSpec(
        "client_secret",
        frozenset({"token"}),
        "the app's secret was rotated: a signature (or Basic/POST secret) made with the old one fails",
    ),
    "server_error": FaultSpec("request", frozenset({"*"}), "HTTP 500 UNEXPECTED_ERROR"),
    "unavailable": FaultSpec("request", frozenset({"*"}), "HTTP 503 with Retry-After: 5"),
    "slow": FaultSpec("request", frozenset({"*"}), "the answer is delayed by `delay` seconds (default 3)"),
}


@dataclass
class Fault:
    """One armed fault: ``remaining`` uses left; ``endpoint`` narrows it to one endpoint (or ``None``)."""

    name: str
    remaining: int
    delay: float = 3.0
    endpoint: str | None = None

    @property
    def spec(self) -> FaultSpec:
        return FAULTS[self.name]

    @property
    def endpoints(self) -> frozenset[str]:
        return self.spec.endpoints

    def applies(self, endpoint: str, point: str) -> bool:
        spec = self.spec
        if spec.point != point:
            return False
        if self.endpoint is not None:
            return self.endpoint == endpoint
        return "*" in spec.endpoints or endpoint in spec.endpoints


class FaultSwitch:
    """A thread-safe list of armed faults. :meth:`take` consumes one matching fault, if any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[Fault] = []

    def inject(self, name: str, *, count: int = 1, delay: float = 3.0, endpoint: str | None = None) -> Fault:
        """Arm ``name`` for the next ``count`` matching requests. Raises ``ValueError`` on bad input."""
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 1000:
            raise ValueError("count must be an integer between 1 and 1000")
        if not 0 <= delay <= 60:
            raise ValueError("delay must be between 0 and 60 seconds")
        spec = FAULTS[name]
        if endpoint is not None:
            allowed = ENDPOINTS if "*" in spec.endpoints else spec.endpoints
            if endpoint not in allowed:
                raise ValueError(f"fault {name!r} cannot target endpoint {endpoint!r}; choose one of {sorted(allowed)}")
        fault = Fault(name, count, delay, endpoint)
        with self._lock:
            self._armed.append(fault)
        return fault

    def clear(self) -> None:
        """Disarm everything."""
        with self._lock:
            self._armed.clear()

    def take(self, endpoint: str, point: str = "request") -> Fault | None:
        """Consume one use of the first armed fault that applies to ``endpoint`` at ``point``."""
        if not self._armed:  # fast path, read without the lock: a list's truthiness is atomic
            return None
        with self._lock:
            for fault in self._armed:
                if fault.applies(endpoint, point):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._armed.remove(fault)
                    return Fault(fault.name, 1, fault.delay, fault.endpoint)
        return None

    @property
    def armed(self) -> list[dict[str, object]]:
        """What is armed, for ``GET /__sandbox/faults``."""
        with self._lock:
            return [
                {"fault": f.name, "remaining": f.remaining, "endpoint": f.endpoint or "any", "delay": f.delay}
                for f in self._armed
            ]
