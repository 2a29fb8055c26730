"""One-shot fault injection: make the next request(s) fail for exactly one reason.

The troubleshooting notebook uses it to show each failure on cue::

    sandbox.faults.inject("wrong_audience")        # the next client assertion at /as/token is refused for its aud
    sandbox.faults.inject("unavailable", count=2)  # the next two requests (any endpoint) get 503
    sandbox.faults.inject("server_error", endpoint="token")  # only the next token request gets 500

Also reachable over HTTP, from loopback only, with the per-process token in ``X-Sandbox-Token`` (printed by
``pinghelpers sandbox``; ``Sandbox.admin_token`` in Python), a loopback ``Host`` and a JSON body:
``POST /__sandbox/faults`` with ``{"fault": "slow", "count": 1, "delay": 2, "endpoint": "token"}`` (count ≤ 100,
delay ≤ 30 s over HTTP); ``GET`` lists what is armed, ``DELETE`` disarms.

A fault is consumed only where it applies — at the check it breaks — so an armed ``expired_code`` waits for the
next authorization-code exchange, even if discovery, a flow call or a refresh happens first.

Who touches the switch: only the app's dispatch. For each request it leases (:meth:`~FaultSwitch.lease`) what applies to
the endpoint (at most one fault per check point), applies a ``"request"`` fault itself, and hands the rest to
the handler in its request context; a check that a fault breaks takes it from there. Whatever the request did
not reach goes back armed (:meth:`~FaultSwitch.give_back`), so handlers never see the switch.
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

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
        "par",
        "device_authorization",
        "device",
        "device_app",
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
    """One armed fault: ``remaining`` uses left; ``endpoint`` narrows it to one endpoint (or ``None``).

    A leased copy (one use, for one request) remembers the armed fault it came from, so an unused lease can go
    back to the same place in the queue.
    """

    name: str
    remaining: int
    delay: float = 3.0
    endpoint: str | None = None
    _seq: int = field(default=0, repr=False, compare=False)  # arming order: the first armed applies first
    _source: Fault | None = field(default=None, repr=False, compare=False)
    _generation: int = field(default=0, repr=False, compare=False)

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


_NOTHING: dict[str, Fault] = {}  # what lease() gives when nothing is armed: shared, never written to


class FaultSwitch:
    """A thread-safe list of armed faults, in arming order.

    :meth:`lease` takes what applies to one request (the app's dispatch, its only caller) and
    :meth:`give_back` returns what the request did not use.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[Fault] = []
        self._order = itertools.count(1)
        self._generation = 0  # bumped by clear(): a lease from before a clear() is not given back

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
        with self._lock:
            fault = Fault(name, count, delay, endpoint, _seq=next(self._order))
            self._armed.append(fault)
        return fault

    def clear(self) -> None:
        """Disarm everything."""
        with self._lock:
            self._armed.clear()
            self._generation += 1

    def lease(self, endpoint: str) -> dict[str, Fault]:
        """For one request at ``endpoint``: one use of the first armed fault per check point that applies.

        Returns ``{point: fault}``; the uses are taken now (a concurrent request cannot get the same one-shot
        fault). Hand what the request did not use to :meth:`give_back`. Empty, and lock-free, when nothing is armed.
        """
        if not self._armed:  # fast path, read without the lock: a list's truthiness is atomic
            return _NOTHING
        leased: dict[str, Fault] = {}
        with self._lock:
            for fault in list(self._armed):
                point = fault.spec.point
                if point in leased or not fault.applies(endpoint, point):
                    continue
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._armed.remove(fault)
                leased[point] = Fault(fault.name, 1, fault.delay, fault.endpoint, fault._seq, fault, self._generation)
        return leased

    def give_back(self, unused: Iterable[Fault]) -> None:
        """Re-arm leased faults a request did not reach, in their old place (unless cleared in the meantime)."""
        with self._lock:
            for lease in unused:
                source = lease._source
                if source is None or lease._generation != self._generation:
                    continue
                if any(armed is source for armed in self._armed):
                    source.remaining += 1
                else:
                    source.remaining = 1
                    bisect.insort(self._armed, source, key=lambda f: f._seq)

    @property
    def armed(self) -> list[dict[str, object]]:
        """What is armed, for ``GET /__sandbox/faults``."""
        with self._lock:
            return [
                {"fault": f.name, "remaining": f.remaining, "endpoint": f.endpoint or "any", "delay": f.delay}
                for f in self._armed
            ]
