"""Times as the lessons show them: a NumericDate as a UTC time plus how far it is from now.

The one home of time formatting, used by the assertion checklist (:mod:`pinghelpers.rules`, "expires in
4m59s") and by the JWT and ID-token inspectors (:mod:`pinghelpers.inspection`, "2026-01-01 00:00:00 UTC
(in 5m00s)"). Pure and clock-injectable (``now=``), so outputs are repeatable.

It also holds the package's one clock, :func:`now`: the assertion builder (``iat``/``exp``), the rule checker
(``exp`` not in the past), the ID-token checks and these descriptions all read it when no ``now=`` is given.
:func:`set_clock` swaps it — a replay (:mod:`pinghelpers.cassette`) freezes it at the recording's time, so
``exp``/``iat`` checks read as they did when the cassette was recorded.

>>> format_delta(299.6), format_delta(-3600)
('in 5m00s', '1h00m ago')
>>> describe_time(1_767_225_600, now=1_767_225_300)
'2026-01-01 00:00:00 UTC (in 5m00s)'
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

__all__ = ["describe_time", "format_delta", "now", "set_clock"]

_clock: Callable[[], float] = time.time


def now() -> float:
    """Seconds since the epoch by the package's clock (the system clock unless :func:`set_clock` changed it)."""
    return _clock()


def set_clock(clock: Callable[[], float] | None) -> Callable[[], float]:
    """Make ``clock`` the package's clock (``None``: the system clock again); returns the previous one."""
    global _clock
    previous, _clock = _clock, (clock or time.time)
    return previous


def format_delta(seconds: float) -> str:
    """A signed number of seconds, rounded, as ``in 42s`` / ``in 5m00s`` / ``in 1h05m`` or ``… ago``."""
    s = round(seconds)
    mag = abs(s)
    if mag >= 3600:
        text = f"{mag // 3600}h{(mag % 3600) // 60:02d}m"
    elif mag >= 60:
        text = f"{mag // 60}m{mag % 60:02d}s"
    else:
        text = f"{mag}s"
    return f"in {text}" if s >= 0 else f"{text} ago"


def describe_time(value: Any, *, now: float | None = None) -> str:
    """``1767225600`` → ``'2026-01-01 00:00:00 UTC (in 5m00s)'``; non-numbers are shown as they are."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return repr(value)
    ref = _clock() if now is None else now
    try:
        stamp = datetime.fromtimestamp(float(value), tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"{value} (out of range)"
    delta = round(float(value) - ref)
    return f"{stamp} ({'now' if delta == 0 else format_delta(delta)})"
