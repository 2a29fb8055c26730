"""The workbook's colours, in one place: every renderer in :mod:`pinghelpers.display` takes them from here.

GitHub's Primer palette (readable on a white notebook, distinct for the common colour-vision deficiencies
when paired with the words "pass"/"FAIL" that every renderer also prints).
"""

from __future__ import annotations

__all__ = [
    "CALLOUT",
    "FAIL",
    "INK",
    "JWT_PARTS",
    "LIVE_BANNER",
    "OK",
    "SANDBOX_BANNER",
    "SKIPPED",
    "STATUS",
    "WARN",
]

OK = "#1a7f37"  # a rule passed, HTTP 2xx, a verified signature
FAIL = "#cf222e"  # a rule failed, HTTP 4xx/5xx, an invalid signature
WARN = "#9a6700"  # not checked yet / a redirect / an unverified signature
SKIPPED = "#6e7781"  # a checklist line that was not checked
INK = "#24292f"  # plain marks (the time line)

#: A compact JWT's three parts, coloured like jwt.io: header, payload, signature.
JWT_PARTS = ("#cf222e", "#8250df", "#0969da")

#: A checklist line's status (``pass`` / ``FAIL`` / ``skipped``) → its colour.
STATUS = {"pass": OK, "FAIL": FAIL, "skipped": SKIPPED}

#: Note boxes: kind → (border, background).
CALLOUT = {
    "info": ("#0969da", "#ddf4ff"),
    "ok": (OK, "#dafbe1"),
    "warn": (WARN, "#fff8c5"),
    "error": (FAIL, "#ffebe9"),
}

#: The notebook's target banner: (border, background) for the local sandbox and for live PingOne.
SANDBOX_BANNER = ("#b4530a", "#fff4e5")
LIVE_BANNER = ("#0d4a8f", "#e8f1fb")
