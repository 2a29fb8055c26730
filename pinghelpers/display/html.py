"""Pure functions from data to HTML (no Jupyter import): the JWT coloured by part, a time line, tables that
explain the discovery document and the authorize parameters, HTTP answers, flow objects and exercise verdicts.

Each takes plain data and returns an HTML string (escaped), so tests check them without a kernel and the
notebooks wrap them in ``IPython.display.HTML``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from ..jose import split_compact
from ..timefmt import now as _clock_now
from .palette import CALLOUT, FAIL, INK, JWT_PARTS, OK, WARN

__all__ = [
    "AUTHORIZE_PARAMS",
    "DISCOVERY_FIELDS",
    "MASKED_FIELDS",
    "ExerciseCheck",
    "callout_html",
    "check_exercise",
    "checks_html",
    "discovery_html",
    "flow_html",
    "http_response_html",
    "jwt_parts_html",
    "masked_body",
    "params_html",
    "table_html",
    "timeline_html",
    "token_response_html",
]


def jwt_parts_html(token: str, *, mask_signature: bool = False) -> str:
    """The compact JWT with header, payload and signature coloured (red, purple, blue) like jwt.io."""
    try:
        parts = list(split_compact(token))
    except ValueError:
        return f"<code>{escape(token)}</code>"
    if mask_signature:
        parts[2] = "••••••••"
    spans = [f"<span style='color:{c}'>{escape(p)}</span>" for c, p in zip(JWT_PARTS, parts, strict=True)]
    return "<div style='font-family:monospace;word-break:break-all'>" + ".".join(spans) + "</div>"


def timeline_html(
    claims: Mapping[str, Any], *, now: float | None = None, limit: int | None = 3600, now_label: str = "now"
) -> str:
    """``iat`` / ``nbf`` / ``exp`` (and ``auth_time``) against a clock, drawn as marks on a line.

    ``now`` is the reference clock (default: this machine's; pass the server's ``Date`` to compare with PingOne's
    clock). ``limit`` marks PingOne's one-hour ceiling for a client assertion's ``exp`` and colours an ``exp``
    beyond it red; ``limit=None`` leaves it out (for tokens PingOne issued). An ``exp`` in the past is red too.
    """
    ref = _clock_now() if now is None else now
    points = {
        k: float(v)
        for k, v in claims.items()
        if k in ("iat", "nbf", "exp", "auth_time") and isinstance(v, (int, float)) and not isinstance(v, bool)
    }
    points[now_label] = ref
    if limit is not None:
        points["now + 1h (PingOne limit)"] = ref + limit
    lo, hi = min(points.values()) - 60, max(points.values()) + 60
    span = hi - lo or 1.0
    marks = []
    # Marks are placed by `left:`; their order in the HTML follows the claims' order, not their times, so the
    # same claims always give the same markup (auth_time and iat often tie, or differ by a second).
    for name, ts in points.items():
        left = 100 * (ts - lo) / span
        late = limit is not None and ts > ref + limit
        colour = FAIL if name == "exp" and (ts <= ref or late) else INK
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


# -- small building blocks --------------------------------------------------------------------------------


def callout_html(text: str, *, kind: str = "info", title: str | None = None) -> str:
    """A coloured note box. ``kind`` is ``info``, ``ok``, ``warn`` or ``error``; ``text`` is escaped."""
    border, background = CALLOUT.get(kind, CALLOUT["info"])
    head = f"<b>{escape(title)}</b> " if title else ""
    return (
        f"<div style='border-left:6px solid {border};background:{background};padding:.5em 1em;margin:.4em 0'>"
        f"{head}{escape(text)}</div>"
    )


def _cell(value: Any, *, code: bool) -> str:
    text = value if isinstance(value, str) else json.dumps(value) if value is not None else "—"
    return f"<code>{escape(text)}</code>" if code else escape(text)


def table_html(rows: Sequence[Sequence[Any]], header: Sequence[str], *, code_columns: Sequence[int] = (0,)) -> str:
    """A plain HTML table; cells are escaped, non-strings shown as JSON, columns in ``code_columns`` as code."""
    head = "".join(f"<th style='text-align:left'>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td style='text-align:left;vertical-align:top'>{_cell(v, code=i in code_columns)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# -- the discovery document ----------------------------------------------------------------------------------

#: What each discovery field is for, in the order a learner meets them (OpenID Connect Discovery 1.0 §3).
DISCOVERY_FIELDS: dict[str, str] = {
    "issuer": "who issues the tokens: every token's iss must equal this exactly",
    "authorization_endpoint": "where the browser goes to sign on (step 1, notebook 3)",
    "token_endpoint": "where the client assertion is sent with the code (notebook 5); a valid aud",
    "jwks_uri": "the public keys that verify PingOne's token signatures (notebook 6)",
    "userinfo_endpoint": "the user's claims, for a Bearer access token (notebook 6)",
    "introspection_endpoint": "is this token still active? (RFC 7662, notebook 6)",
    "revocation_endpoint": "revoke a token (RFC 7009, notebook 6)",
    "end_session_endpoint": "sign the user off (RP-initiated logout)",
    "pushed_authorization_request_endpoint": "push the authorize parameters first (PAR, RFC 9126)",
    "token_endpoint_auth_methods_supported": "client authentication methods (notebook 8); ours: client_secret_jwt",
    "token_endpoint_auth_signing_alg_values_supported": "algorithms a client assertion may use",
    "response_types_supported": "what /authorize can return; the code flow uses code",
    "response_modes_supported": "how the answer comes back; pi.flow is PingOne's redirect-less JSON mode",
    "grant_types_supported": "grants the token endpoint knows",
    "scopes_supported": "standard scopes; openid makes it OpenID Connect (an ID token)",
    "code_challenge_methods_supported": "PKCE methods (RFC 7636); use S256",
    "id_token_signing_alg_values_supported": "how ID tokens are signed (RS256 at PingOne)",
    "subject_types_supported": "how sub is assigned (public: the same for every client)",
    "claims_supported": "claims PingOne can put in tokens or userinfo",
}


def discovery_html(doc: Mapping[str, Any], *, fields: Sequence[str] | None = None) -> str:
    """The discovery document as a table: field, value, what it is for (known fields first, in teaching order)."""
    names = list(fields) if fields is not None else [f for f in DISCOVERY_FIELDS if f in doc]
    if fields is None:
        names += sorted(k for k in doc if k not in DISCOVERY_FIELDS)
    rows = [(name, doc.get(name), DISCOVERY_FIELDS.get(name, "")) for name in names]
    return table_html(rows, ("field", "value", "what it is for"), code_columns=(0, 1))


# -- the authorization request -------------------------------------------------------------------------------

#: Each authorize parameter: (what it does, where the rule comes from).
AUTHORIZE_PARAMS: dict[str, tuple[str, str]] = {
    "response_type": ("code: ask for an authorization code (the code flow)", "RFC 6749 §4.1.1"),
    "client_id": ("the application's client ID", "RFC 6749 §4.1.1"),
    "redirect_uri": ("where PingOne sends the browser back; must exactly match one registered", "RFC 6749 §3.1.2"),
    "scope": ("what to ask for; openid makes it OIDC (an ID token)", "OIDC Core §3.1.2.1"),
    "state": ("a random value echoed back: ties the answer to this request (CSRF)", "RFC 6749 §10.12"),
    "nonce": ("a random value copied into the ID token: stops token replay", "OIDC Core §3.1.2.1"),
    "code_challenge": ("base64url(SHA-256(code_verifier)): proves the code is redeemed by us", "RFC 7636 §4.2"),
    "code_challenge_method": ("S256 (never plain)", "RFC 7636 §4.3"),
    "response_mode": ("pi.flow: PingOne answers with the flow JSON instead of a redirect", "PingOne authorize"),
    "prompt": ("login: always ask the user to sign on again", "OIDC Core §3.1.2.1"),
    "login_hint": ("pre-fills the username", "OIDC Core §3.1.2.1"),
}


def params_html(params: Mapping[str, str]) -> str:
    """Authorize parameters as a table: name, value, what it does, the rule."""
    rows = [(k, v, *AUTHORIZE_PARAMS.get(k, ("", ""))) for k, v in params.items()]
    return table_html(rows, ("parameter", "value", "what it does", "rule"), code_columns=(0, 1))


# -- HTTP answers and flow objects ---------------------------------------------------------------------------

_SHOWN_HEADERS = ("Location", "Content-Type", "Set-Cookie", "Cache-Control", "Retry-After", "WWW-Authenticate")


def _mask_cookie(value: str) -> str:
    name, _, rest = value.partition("=")
    _, sep, attributes = rest.partition(";")
    return f"{name}=••••••••{sep}{attributes}"


def http_response_html(status: int, headers: Mapping[str, str], *, body: Any = None) -> str:
    """An HTTP answer as text: status line, the headers that matter here (cookie values masked), the body."""
    lines = [f"HTTP/1.1 {status}"]
    for name in _SHOWN_HEADERS:
        for key, value in headers.items():
            if key.lower() == name.lower():
                lines.append(f"{name}: {_mask_cookie(value) if name == 'Set-Cookie' else value}")
    if body is not None:
        lines += ["", body if isinstance(body, str) else json.dumps(body, indent=2)]
    colour = OK if status < 300 else WARN if status < 400 else FAIL
    return f"<pre style='border-left:4px solid {colour};padding-left:.6em'>{escape(chr(10).join(lines))}</pre>"


def flow_html(flow: Mapping[str, Any]) -> str:
    """A PingOne flow object: its status, the actions its ``_links`` offer, and where to resume."""
    links = flow.get("_links") or {}
    actions = [name for name in links if name != "self"] if isinstance(links, Mapping) else []
    rows: list[tuple[str, Any]] = [("id", flow.get("id")), ("status", flow.get("status"))]
    rows.append(("actions (_links)", ", ".join(actions) or "—"))
    if flow.get("resumeUrl"):
        rows.append(("resumeUrl", flow.get("resumeUrl")))
    user = (flow.get("_embedded") or {}).get("user") if isinstance(flow.get("_embedded"), Mapping) else None
    if isinstance(user, Mapping) and user.get("username"):
        rows.append(("user", user.get("username")))
    return table_html(rows, ("flow", "value"), code_columns=(0, 1))


# -- checks and exercises ------------------------------------------------------------------------------------


def checks_html(items: Sequence[tuple[str, bool | None, str]]) -> str:
    """A list of ``(check, passed, detail)`` as a table with ✔ / ✘ / – marks."""
    marks = {True: ("✔", OK), False: ("✘", FAIL), None: ("–", WARN)}
    body = "".join(
        f"<tr><td style='color:{marks[ok][1]};font-weight:bold'>{marks[ok][0]}</td>"
        f"<td style='text-align:left'>{escape(name)}</td><td style='text-align:left'>{escape(detail)}</td></tr>"
        for name, ok, detail in items
    )
    return f"<table><thead><tr><th></th><th>check</th><th>detail</th></tr></thead><tbody>{body}</tbody></table>"


class ExerciseCheck:
    """The verdict of an exercise's check cell: shown green (done) or amber (not yet, with a hint).

    Its text form is one line that starts with ``✔`` or ``✘`` — what a learner (and a test) reads first.
    """

    def __init__(self, passed: bool, *, success: str, hint: str) -> None:
        self.passed = bool(passed)
        self.message = success if self.passed else hint

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"{'✔ Correct' if self.passed else '✘ Not yet'}: {self.message}"

    def _repr_html_(self) -> str:
        if self.passed:
            return callout_html(self.message, kind="ok", title="✔ Correct.")
        return callout_html(self.message, kind="warn", title="✘ Not yet.")


def check_exercise(passed: bool | Callable[[], Any], *, success: str, hint: str) -> ExerciseCheck:
    """Judge an exercise: ``passed`` is the learner's condition; ``hint`` says what to look at when it fails.

    ``passed`` may be a function (``lambda: …``): it is called here, and if the learner's unfinished answer
    makes it raise, the verdict is "not yet" with the hint and what went wrong — a check never raises.

    >>> check_exercise(lambda: None.upper() == "X", success="yes", hint="set the answer first")
    ✘ Not yet: set the answer first (your answer gave AttributeError: 'NoneType' object has no attribute 'upper')
    """
    if callable(passed):
        try:
            verdict = bool(passed())
        except Exception as exc:  # the learner's answer is unfinished: a hint, not a traceback
            return ExerciseCheck(False, success=success, hint=f"{hint} (your answer gave {type(exc).__name__}: {exc})")
        return ExerciseCheck(verdict, success=success, hint=hint)
    return ExerciseCheck(passed, success=success, hint=hint)


# -- token responses -----------------------------------------------------------------------------------------

#: Body fields that are credentials but not JWTs: shown masked (their length only) in saved outputs.
MASKED_FIELDS = frozenset({"refresh_token", "client_secret", "password", "code_verifier"})


def masked_body(body: Any) -> Any:
    """A JSON body with opaque credentials (``refresh_token`` …) replaced by a length note."""
    if not isinstance(body, Mapping):
        return body
    return {
        k: (f"•••••••• ({len(v)} characters, masked)" if k in MASKED_FIELDS and isinstance(v, str) else v)
        for k, v in body.items()
    }


def token_response_html(response: Any) -> str:
    """A token endpoint answer: the status, the JSON body (opaque credentials masked), each JWT decoded.

    ``response`` is a :class:`pinghelpers.TokenResponse` (anything with ``status``, ``body``, ``decoded``,
    ``error``). JWTs are shown in full — they are signed, readable by design and short-lived — while a refresh
    token, an opaque long-lived credential, shows only its length.
    """
    status = int(response.status)
    ok = 200 <= status < 300 and getattr(response, "error", None) is None
    colour = OK if ok else FAIL
    body = masked_body(response.body)
    parts = [
        f"<p style='color:{colour};font-weight:bold'>HTTP {status}</p>",
        f"<pre>{escape(json.dumps(body, indent=2, ensure_ascii=False) if body is not None else '(no body)')}</pre>",
    ]
    error = getattr(response, "error", None)
    if error is not None and getattr(error, "fix", None):
        parts.append(f"<p><b>fix:</b> {escape(str(error.fix))}</p>")
    for name, decoded in (getattr(response, "decoded", None) or {}).items():
        parts.append(f"<h4>{escape(name)}</h4>{decoded._repr_html_()}")
    return "".join(parts)
