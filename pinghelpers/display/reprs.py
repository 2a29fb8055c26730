"""How pinghelpers' objects look in a notebook: the renderers behind their ``_repr_html_``.

A model (``Checklist``, ``DecodedJWT``, ``TokenResponse`` …) keeps a one-line ``_repr_html_`` that calls the
function here, so the protocol modules stay free of HTML and colours, and these stay pure: an object in, an
escaped HTML string out, testable without a kernel. Objects are read by their public attributes only (no
import of the model's module at run time), so display depends on the models and never the other way round.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any

from .palette import FAIL, JWT_PARTS, LIVE_BANNER, OK, SANDBOX_BANNER, STATUS, WARN

if TYPE_CHECKING:
    from ..decoding import DecodedJWT
    from ..explain import Explanation
    from ..idtoken import IdTokenReport
    from ..messages import AuthorizationRequest
    from ..rules import Checklist
    from ..snippets import RequestSnippet
    from ..workbook import Target

__all__ = [
    "authorization_request_html",
    "checklist_html",
    "decoded_jwt_html",
    "explanation_html",
    "id_token_report_html",
    "secret_html",
    "settings_html",
    "snippet_html",
    "target_html",
]

_HEADER, _PAYLOAD, _SIGNATURE = JWT_PARTS


def checklist_html(checklist: Checklist) -> str:
    """PingOne's assertion checklist: one row per rule (result, the part checked, what was seen, source), then the verdict."""
    rows = []
    for i in checklist.items:
        fix = f"<br><small><b>fix:</b> {escape(i.rule.fix)}</small>" if i.passed is False else ""
        rows.append(
            f"<tr><td style='color:{STATUS[i.status]};font-weight:bold'>{i.status}</td>"
            f"<td><code>{escape(i.rule.claim)}</code></td><td>{escape(i.detail or i.rule.text)}{fix}</td>"
            f"<td><small>{escape(i.rule.source)}</small></td></tr>"
        )
    verdict = (
        f"<b style='color:{OK}'>PingOne would accept this assertion.</b>"
        if checklist.ok
        else f"<b style='color:{FAIL}'>PingOne would refuse this assertion ({len(checklist.failures)} "
        "rule(s) failed).</b>"
    )
    return (
        "<table><thead><tr><th>result</th><th>part</th><th>what was checked</th><th>source</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table><p>{verdict}</p>"
    )


def id_token_report_html(report: IdTokenReport) -> str:
    """The ID-token checks (OIDC Core §3.1.3.7) as a table, then the verdict."""
    rows = "".join(
        f"<tr><td style='color:{STATUS[i.status]};font-weight:bold'>{i.status}</td><td><code>{escape(i.claim)}"
        f"</code></td><td>{escape(i.detail)}"
        + (f"<br><small><b>fix:</b> {escape(i.fix)}</small>" if i.passed is False and i.fix else "")
        + f"</td><td><small>{escape(i.rule)}</small></td></tr>"
        for i in report.items
    )
    return f"<table>{rows}</table><p><b>{escape(report.verdict)}</b></p>"


def decoded_jwt_html(decoded: DecodedJWT) -> str:
    """A decoded JWT: its parts coloured, header and payload side by side, the times, the signature verdict."""
    h, p, s = decoded.parts
    colour = OK if decoded.verified else (FAIL if decoded.verified is False else WARN)
    times = "".join(f"<li><code>{escape(k)}</code>: {escape(v)}</li>" for k, v in decoded.times().items())
    return (
        "<div style='font-family:monospace;word-break:break-all;font-size:90%'>"
        f"<span style='color:{_HEADER}'>{escape(h)}</span>.<span style='color:{_PAYLOAD}'>{escape(p)}</span>."
        f"<span style='color:{_SIGNATURE}'>{escape(s)}</span></div>"
        f"<table><tr><th style='color:{_HEADER};text-align:left'>header</th>"
        f"<th style='color:{_PAYLOAD};text-align:left'>payload</th></tr><tr>"
        f"<td style='text-align:left;vertical-align:top'><pre>{escape(json.dumps(dict(decoded.header), indent=2))}"
        "</pre></td>"
        f"<td style='text-align:left;vertical-align:top'><pre>{escape(json.dumps(dict(decoded.claims), indent=2))}"
        "</pre></td></tr></table>"
        + (f"<ul>{times}</ul>" if times else "")
        + f"<p style='color:{colour};font-weight:bold'>{escape(decoded.verdict)}</p>"
    )


def explanation_html(explanation: Explanation) -> str:
    """``explain()``'s answer: the summary, then the likely causes as a numbered list with evidence and fix."""
    items = "".join(
        f"<li><b>{escape(c.cause)}</b>"
        + (f"<br><small>seen: {escape(c.evidence)}</small>" if c.evidence else "")
        + f"<br>fix: {escape(c.fix)}</li>"
        for c in explanation.causes
    )
    return f"<p>{escape(explanation.summary)}</p><ol>{items}</ol>"


def authorization_request_html(request: AuthorizationRequest) -> str:
    """The authorize URL as a link, and its parameters as a table."""
    rows = "".join(f"<tr><td><code>{escape(k)}</code></td><td>{escape(v)}</td></tr>" for k, v in request.params.items())
    return f"<p><a href='{escape(request.url)}'>{escape(request.url)}</a></p><table>{rows}</table>"


def snippet_html(request: RequestSnippet) -> str:
    """One request three ways (curl open, raw HTTP and Python folded), like PingOne's "Example Request" tabs."""
    blocks = [("curl", request.curl()), ("HTTP", request.http()), ("Python", request.python())]
    return "".join(
        f"<details{' open' if i == 0 else ''}><summary><b>{name}</b></summary><pre>{escape(text)}</pre></details>"
        for i, (name, text) in enumerate(blocks)
    )


def settings_html(values: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """Settings as a table of their ``PINGONE_*`` variable names and (already masked) values; empty ones left out."""
    rows = "".join(
        f"<tr><td><code>{escape(names.get(k, k))}</code></td><td>{escape(str(v))}</td></tr>"
        for k, v in values.items()
        if v not in (None, "")
    )
    return f"<table>{rows}</table>"


def secret_html(masked: str) -> str:
    """A secret as its mask (the caller passes ``str(secret)``: the value itself never reaches display)."""
    return f"<code>{escape(masked)}</code>"


def target_html(target: Target) -> str:
    """The notebook's banner: which target the cells talk to — the local sandbox (amber) or PingOne (blue)."""
    if target.is_local_sandbox:
        border, background = SANDBOX_BANNER
        return (
            f"<div style='border-left:6px solid {border};background:{background};padding:.6em 1em'>"
            "<b>Target: LOCAL SANDBOX</b> — an offline stand-in for PingOne running on this machine at "
            f"<code>{escape(target.settings.auth_path or '')}</code>. Nothing leaves your computer. "
            "To run these cells against your own PingOne environment, set <code>PINGONE_ENV_ID</code>, "
            "<code>PINGONE_REGION</code>, <code>PINGONE_CLIENT_ID</code>, <code>PINGONE_CLIENT_SECRET</code> "
            "and <code>PINGONE_REDIRECT_URI</code> (environment or <code>.env</code>) and restart the kernel."
            "</div>"
        )
    border, background = LIVE_BANNER
    if target.replay:
        return (
            f"<div style='border-left:6px solid {border};background:{background};padding:.6em 1em'>"
            f"<b>Target: REPLAY</b> — {escape(target.label)}: the answers PingOne gave when the cassette was "
            "recorded (tokens' signatures masked). Nothing leaves your computer.</div>"
        )
    if target.is_pingone:
        where = (
            "The server is on this machine (a local sandbox process, such as a class's shared one): nothing leaves it."
            if target.settings.is_local_sandbox
            else "Requests go to Ping Identity's servers."
        )
    else:
        where = "Not PingOne: no flows API and no management API; sign-on happens in a browser."
    return (
        f"<div style='border-left:6px solid {border};background:{background};padding:.6em 1em'>"
        f"<b>Target: {'PINGONE' if target.is_pingone else 'OPENID PROVIDER'}</b> — {escape(target.label)} "
        f"(settings from {escape(target.settings.source)}). {where}"
        + "".join(f"<br><b>Note:</b> {escape(note)}" for note in getattr(target.settings, "notes", ()))
        + "</div>"
    )
