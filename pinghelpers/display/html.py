"""Pure functions from data to HTML (no Jupyter import): the JWT coloured by part, a time line."""

from __future__ import annotations

import time
from collections.abc import Mapping
from html import escape
from typing import Any

__all__ = ["jwt_parts_html", "timeline_html"]

_COLOURS = ("#cf222e", "#8250df", "#0969da")


def jwt_parts_html(token: str, *, mask_signature: bool = False) -> str:
    """The compact JWT with header, payload and signature coloured (red, purple, blue) like jwt.io."""
    parts = token.split(".")
    if len(parts) != 3:
        return f"<code>{escape(token)}</code>"
    if mask_signature:
        parts[2] = "••••••••"
    spans = [f"<span style='color:{c}'>{escape(p)}</span>" for c, p in zip(_COLOURS, parts, strict=True)]
    return "<div style='font-family:monospace;word-break:break-all'>" + ".".join(spans) + "</div>"


def timeline_html(claims: Mapping[str, Any], *, now: float | None = None, limit: int = 3600) -> str:
    """``iat`` / ``nbf`` / ``exp`` against the server clock, with PingOne's one-hour limit marked."""
    ref = time.time() if now is None else now
    points = {k: float(v) for k, v in claims.items() if k in ("iat", "nbf", "exp") and isinstance(v, (int, float))}
    points["now"] = ref
    points["now + 1h (PingOne limit)"] = ref + limit
    lo, hi = min(points.values()) - 60, max(points.values()) + 60
    span = hi - lo or 1.0
    marks = []
    for name, ts in sorted(points.items(), key=lambda kv: kv[1]):
        left = 100 * (ts - lo) / span
        colour = "#cf222e" if name == "exp" and (ts <= ref or ts > ref + limit) else "#24292f"
        marks.append(
            f"<div style='position:absolute;left:{left:.1f}%;top:0;height:2.4em;border-left:2px solid {colour}'>"
            f"<span style='font-size:75%;white-space:nowrap;color:{colour}'>&nbsp;{escape(name)} "
            f"({int(ts - ref):+d}s)</span></div>"
        )
    return (
        "<div style='position:relative;height:3em;margin:1em 2em 1em 0;border-bottom:1px solid #888'>"
        + "".join(marks)
        + "</div>"
    )
