"""The probe report as HTML: differences first, then every probe, target beside local sandbox."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..probe import ProbeReport

__all__ = ["probe_html", "probe_page"]


def probe_html(report: ProbeReport) -> str:
    """A table: probe, same or different, the target's answer, the local sandbox's, what a difference means."""
    rows = []
    for r in sorted(report.results, key=lambda r: r.same):
        mark = "same" if r.same else "<b style='color:#b00'>different</b>"
        rows.append(
            f"<tr><td>{escape(r.name)}</td><td>{mark}</td><td>{escape(r.target.summary())}</td>"
            f"<td>{escape(r.local.summary())}</td><td>{'' if r.same else escape(r.note)}</td></tr>"
        )
    return (
        f"<p><b>probe</b>: {escape(report.target)} vs a local sandbox configured like it — "
        f"{len(report.differences)} different of {len(report.results)}; {report.requests} requests to the target</p>"
        "<table><tr><th>probe</th><th></th><th>target</th><th>local sandbox</th><th>what it means</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def probe_page(report: ProbeReport) -> str:
    """A whole HTML page (``pinghelpers probe --html FILE``); answers are masked already."""
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>pinghelpers probe</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:.3em;vertical-align:top}"
        "table{border-collapse:collapse}</style></head><body>" + probe_html(report) + "</body></html>\n"
    )
