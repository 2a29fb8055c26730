"""The local sandbox's one error type, rendered in PingOne's two shapes.

PingOne answers protocol endpoints (``/as/token``, ``/as/introspect``, …) in the OAuth shape::

    {"error": "invalid_client",
     "error_description": "Request denied: Unsupported authentication method (Correlation ID: 1b3…)"}

and everything else (flows, management API, authorize errors it cannot redirect) in the platform shape::

    {"id": "<correlation id>", "code": "INVALID_DATA",
     "message": "The request could not be completed. One or more validation errors were in the request.",
     "details": [{"code": "INVALID_VALUE", "target": "redirect_uri", "message": "…"}]}

Both carry a correlation id (also sent as the ``Correlation-Id`` header), so a learner can match a response to
the sandbox's log, as PingOne support would ask them to.

**Terse on the wire, like PingOne.** PingOne's ``error_description`` says little on purpose. The body carries
PingOne's text where PingOne's docs or Ping's published client fixtures give one (``OAUTH_TEXTS``' CONFIRMED
rows), else a short neutral text of the sandbox's own (listed in the README's sandbox choices). What the
sandbox knows beyond that — the rule broken, the fault that caused it, the accepted values — goes in the
``X-Local-Sandbox-Diagnosis`` header (:class:`pinghelpers.errors.SandboxDiagnosis`), which only the local
sandbox sends.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from werkzeug.wrappers import Response

from ..errors import DIAGNOSIS_HEADER, SandboxDiagnosis

__all__ = [
    "OAUTH_TEXTS",
    "PLATFORM_MESSAGES",
    "UNSUPPORTED_AUTH",
    "SandboxError",
    "detail_error",
    "invalid_data",
    "invalid_token",
    "json_response",
    "oauth_error",
    "platform_error",
    "unsupported_auth",
]

# PingOne's generic texts per status (developer.pingidentity.com, "Error codes" / response-code tables).
PLATFORM_MESSAGES = {
    400: "The request could not be completed. One or more validation errors were in the request.",
    401: "You do not have access to this resource.",
    403: "You do not have permissions or are not licensed to make this request.",
    404: "The requested resource was not found.",
    405: "The request method is not supported for this resource.",
    413: "The request could not be completed. The request body is too large.",
    415: "The request could not be completed. The content type is not supported.",
    500: "An unexpected error occurred.",
    503: "The service is temporarily unavailable.",
}


# The wire text of each OAuth error code (then " (Correlation ID: <uuid>)", as PingOne appends).
# CONFIRMED: "Request denied: Unsupported authentication method" (pingidentity/pingcli cmd/platform/export_test.go,
# see unsupported_auth). PingOne publishes no text for the others: these short neutral texts are the sandbox's
# own choice (README, "Sandbox choices").
UNSUPPORTED_AUTH = "Request denied: Unsupported authentication method"  # CONFIRMED (pingcli's test)
OAUTH_TEXTS = {
    "invalid_client": "Request denied: Client authentication failed",
    "invalid_grant": "Invalid grant",
    "invalid_request": "Invalid request",
    "invalid_scope": "Invalid scope",
    "unauthorized_client": "Unauthorized client",
    "unsupported_grant_type": "Unsupported grant type",
    "unsupported_response_type": "Unsupported response type",
    "login_required": "Login required",
    "access_denied": "Access denied",
    # RFC 8628 §3.5, the device code's polling answers (no PingOne text published either).
    "authorization_pending": "Authorization pending",
    "slow_down": "Slow down",
    "expired_token": "Expired token",
}


def oauth_text(code: str) -> str:
    """The terse wire text for an OAuth error ``code`` (PingOne's where known, else the sandbox's neutral one)."""
    return OAUTH_TEXTS.get(code, code.replace("_", " ").capitalize())


# json.dumps(body, separators=(",", ":")) builds a new encoder on every call; one shared encoder with the same
# options gives the same text (every sandbox response is JSON, so this is on every hot path).
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A compact JSON response (``application/json``)."""
    return Response(
        _COMPACT_JSON.encode(body),
        status=status,
        headers=headers or {},
        mimetype="application/json",
    )


class SandboxError(Exception):
    """A PingOne-shaped error. ``kind`` is ``"oauth"`` or ``"platform"``; ``message`` is the wire text.

    ``rule``, ``diagnosis`` and ``fault`` are the sandbox's own diagnosis: sent only in the
    ``X-Local-Sandbox-Diagnosis`` header, never in the body.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str = "",
        *,
        kind: str = "oauth",
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        rule: str | None = None,
        diagnosis: str = "",
        fault: str | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.kind = kind
        self.details = details or []
        self.headers = headers or {}
        self.rule = rule
        self.diagnosis = diagnosis
        self.fault = fault

    def response(self) -> Response:
        correlation = str(uuid.uuid4())
        if self.kind == "oauth":
            # PingOne appends the correlation id to every OAuth error_description.
            body: dict[str, Any] = {
                "error": self.code,
                "error_description": f"{self.message} (Correlation ID: {correlation})".strip(),
            }
        else:
            body = {
                "id": correlation,
                "code": self.code,
                "message": self.message or PLATFORM_MESSAGES.get(self.status, "The request could not be completed."),
            }
            if self.details:
                body["details"] = self.details
        headers = {"Correlation-Id": correlation, "Cache-Control": "no-store", **self.headers}
        if self.rule or self.diagnosis or self.fault:
            found = SandboxDiagnosis(rule=self.rule, detail=self.diagnosis, fault=self.fault)
            headers[DIAGNOSIS_HEADER] = found.header_value()
        if self.status == 401 and self.kind == "oauth" and self.code == "invalid_client":
            # RFC 6749 §5.2: a 401 invalid_client carries WWW-Authenticate.
            headers.setdefault("WWW-Authenticate", 'Basic realm="PingOne"')
        return json_response(body, self.status, headers)


def oauth_error(
    status: int,
    code: str,
    diagnosis: str = "",
    *,
    rule: str | None = None,
    fault: str | None = None,
    text: str | None = None,
) -> SandboxError:
    """An ``{error, error_description}`` error (the ``/as/*`` protocol endpoints).

    The body's ``error_description`` is ``text`` or :func:`oauth_text` of ``code`` — terse, as PingOne's;
    ``diagnosis`` (what exactly was wrong), ``rule`` and ``fault`` go in the diagnosis header.
    """
    return SandboxError(
        status, code, text or oauth_text(code), kind="oauth", rule=rule, diagnosis=diagnosis, fault=fault
    )


def platform_error(
    status: int,
    code: str,
    message: str = "",
    *,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    diagnosis: str = "",
    fault: str | None = None,
) -> SandboxError:
    """An ``{id, code, message, details}`` error (flows, management API, non-redirectable authorize errors).

    ``diagnosis`` and ``fault`` go in the diagnosis header, not the body.
    """
    return SandboxError(
        status, code, message, kind="platform", details=details, headers=headers, diagnosis=diagnosis, fault=fault
    )


def detail_error(
    status: int,
    code: str,
    detail_code: str,
    target: str,
    message: str,
    *,
    inner: dict[str, Any] | None = None,
) -> SandboxError:
    """A platform error with one detail — PingOne's usual shape: ``details: [{code, target, message}]``."""
    detail: dict[str, Any] = {"code": detail_code, "target": target, "message": message}
    if inner is not None:
        detail["innerError"] = inner
    return platform_error(status, code, details=[detail])


def invalid_data(target: str, message: str, *, code: str = "INVALID_VALUE") -> SandboxError:
    """PingOne's generic validation failure (400 ``INVALID_DATA``) with one detail naming the field."""
    return detail_error(400, "INVALID_DATA", code, target, message)


def unsupported_auth() -> SandboxError:
    """A client authentication method the app is not configured for.

    CONFIRMED text (Ping's own pingcli test regex): ``Request denied: Unsupported authentication method``.
    """
    return oauth_error(
        401,
        "invalid_client",
        "the request used a client authentication method other than the app's tokenEndpointAuthMethod",
        rule="auth-method",
        text=UNSUPPORTED_AUTH,
    )


def invalid_token(*, error: str = "invalid_token") -> SandboxError:
    """A missing, malformed, expired or revoked Bearer token (userinfo, management API)."""
    return platform_error(
        401,
        "ACCESS_FAILED",
        "The request could not be completed. You do not have access to this resource.",
        details=[
            {
                "code": "INVALID_TOKEN",
                "target": "Authentication Credentials",
                "message": "The authorization token is either missing or invalid, or it has expired.",
            }
        ],
        headers={"WWW-Authenticate": f'Bearer realm="PingOne", error="{error}"'},
    )
