"""One exception tree for everything ``pinghelpers`` raises.

::

    PingHelpersError
    ├── ConfigurationError (also ValueError)    bad settings: envID, region, URL, secret
    │   └── AssertionBuildError                 a client assertion PingOne would refuse
    ├── TransportError                          no usable HTTP answer
    │   ├── ConnectionFailed                    refused / DNS / TLS
    │   ├── RequestTimedOut                     no answer within the timeout
    │   ├── InvalidResponse                     not JSON, too large, wrong shape
    │   └── ReplayMismatch                      a replayed run sent what the cassette did not record
    ├── PingOneAPIError                         PingOne answered with an error
    │   ├── OAuthError                          ``{error, error_description}`` shape (/as/*)
    │   └── PlatformError                       ``{id, code, message, details}`` shape (flows, management)
    ├── SignOnError                             the sign-on did not yield a code (state mismatch, timeout)
    └── TokenValidationError                    a token failed verification (signature, iss, aud, exp, nonce)

Every message says what was wrong, which rule, and how to fix it. No message ever contains a client
secret: errors carry the *name* of a secret, never its value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

__all__ = [
    "DIAGNOSIS_HEADER",
    "AssertionBuildError",
    "ConfigurationError",
    "ConnectionFailed",
    "InvalidResponse",
    "OAuthError",
    "PingHelpersError",
    "PingOneAPIError",
    "PlatformError",
    "ReplayMismatch",
    "RequestTimedOut",
    "SandboxDiagnosis",
    "SignOnError",
    "TokenValidationError",
    "TransportError",
]

_CORRELATION = re.compile(r"Correlation ID: ([0-9A-Za-z-]+)")

#: The response header only the **local sandbox** sends: its own diagnosis of an error it answered. PingOne
#: sends nothing like it — its error texts are terse on purpose — so nothing may depend on it being there.
DIAGNOSIS_HEADER = "X-Local-Sandbox-Diagnosis"
# The detail travels percent-encoded (UTF-8), so any text fits a latin-1 header and ";" separates fields.
_DETAIL_SAFE = " !'()*+,-./:<=>?@[]_~"


@dataclass(frozen=True)
class SandboxDiagnosis:
    """The local sandbox's diagnosis of an error: the ``rule`` broken (a :data:`pinghelpers.rules.RULES` id or
    a sandbox check's name), the ``fault`` switch that caused it (if one did), and a ``detail`` sentence.

    It travels in the :data:`DIAGNOSIS_HEADER` response header, never in the body — the body carries what
    PingOne would send. Header form: ``rule=aud-accepted; detail=aud%20…`` (fields optional, detail
    percent-encoded).
    """

    rule: str | None = None
    detail: str = ""
    fault: str | None = None

    def header_value(self) -> str:
        """The header's value (ASCII)."""
        fields = [f"{k}={v}" for k, v in (("rule", self.rule), ("fault", self.fault)) if v]
        if self.detail:
            fields.append("detail=" + quote(self.detail, safe=_DETAIL_SAFE))
        return "; ".join(fields)

    @classmethod
    def parse(cls, value: str | None) -> SandboxDiagnosis | None:
        """The diagnosis in a header value, or ``None`` when there is none (always, against PingOne)."""
        if not value:
            return None
        fields: dict[str, str] = {}
        for part in value.split(";"):
            key, sep, item = part.strip().partition("=")
            if sep and key in ("rule", "fault", "detail"):
                fields[key] = unquote(item.strip())
        if not fields:
            return None
        return cls(rule=fields.get("rule") or None, detail=fields.get("detail", ""), fault=fields.get("fault") or None)

    def __str__(self) -> str:
        head = ", ".join(f"{k} {v}" for k, v in (("rule", self.rule), ("fault", self.fault)) if v)
        return f"[{head}] {self.detail}".strip() if head else self.detail


class PingHelpersError(Exception):
    """Root of every error this package raises.

    ``rule`` names the PingOne or RFC rule involved (when there is one) and ``fix`` says what to do.
    """

    def __init__(self, message: str, *, rule: str | None = None, fix: str | None = None) -> None:
        self.message = message
        self.rule = rule
        self.fix = fix
        super().__init__(self._compose())

    def _compose(self) -> str:
        text = self.message
        if self.rule:
            text += f" [rule: {self.rule}]"
        if self.fix:
            text += f" — fix: {self.fix}"
        return text


class ConfigurationError(PingHelpersError, ValueError):
    """A setting is missing or malformed. ``setting`` names it (e.g. ``PINGONE_ENV_ID``)."""

    def __init__(
        self, message: str, *, setting: str | None = None, rule: str | None = None, fix: str | None = None
    ) -> None:
        self.setting = setting
        super().__init__(message, rule=rule, fix=fix)


class AssertionBuildError(ConfigurationError):
    """The client assertion asked for would break one of PingOne's rules (``rule`` names it)."""


class TransportError(PingHelpersError):
    """The HTTP exchange itself failed: there is no PingOne answer to read. Never retried for token POSTs."""

    def __init__(self, message: str, *, url: str | None = None, fix: str | None = None) -> None:
        self.url = url
        super().__init__(message, fix=fix)


class ConnectionFailed(TransportError):
    """Nothing answered at the URL (refused, DNS failure, TLS failure)."""


class RequestTimedOut(TransportError):
    """The server did not answer within the timeout."""


class InvalidResponse(TransportError):
    """An answer came back, but not one PingOne would send (not JSON, too large, wrong shape)."""


class ReplayMismatch(TransportError):
    """A replay (``PINGHELPERS_REPLAY``) met a request the cassette does not hold at this point.

    ``step`` is the step this run was taking ("the token request"), ``index`` the exchange number (1-based).
    """

    def __init__(self, message: str, *, step: str = "", index: int = 0, fix: str | None = None) -> None:
        self.step = step
        self.index = index
        super().__init__(message, fix=fix)


class PingOneAPIError(PingHelpersError):
    """PingOne (or the local sandbox) answered with an HTTP error.

    ``status`` is the HTTP status, ``body`` the parsed JSON (or ``None``), ``correlation_id`` the id to quote
    to Ping support, and ``response`` the ``requests.Response``. ``client_assertion`` is the assertion the
    failed token request sent (set by the client, so ``client.explain(error)`` diagnoses *that* request even
    when other threads sent others since). ``diagnosis`` is the local sandbox's own
    :class:`SandboxDiagnosis` (from its :data:`DIAGNOSIS_HEADER`); ``None`` against PingOne.
    """

    client_assertion: str | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: Any = None,
        response: Any = None,
        correlation_id: str | None = None,
        rule: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.response = response
        self.correlation_id = correlation_id
        headers = getattr(response, "headers", None)
        self.diagnosis = SandboxDiagnosis.parse(headers.get(DIAGNOSIS_HEADER) if headers is not None else None)
        super().__init__(message, rule=rule, fix=fix)


class OAuthError(PingOneAPIError):
    """An OAuth-shaped error: ``{"error": ..., "error_description": ...}`` (RFC 6749 §5.2)."""

    def __init__(
        self,
        error: str,
        description: str = "",
        *,
        status: int,
        body: Any = None,
        response: Any = None,
        fix: str | None = None,
        rule: str | None = None,
    ) -> None:
        self.error = error
        self.error_description = description
        match = _CORRELATION.search(description or "")
        super().__init__(
            f"HTTP {status} {error}: {description}".rstrip(": "),
            status=status,
            body=body,
            response=response,
            correlation_id=match.group(1) if match else None,
            rule=rule,
            fix=fix,
        )


class PlatformError(PingOneAPIError):
    """A platform-shaped error: ``{"id", "code", "message", "details": [{"code", "target", "message"}]}``."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int,
        details: list[dict[str, Any]] | None = None,
        error_id: str | None = None,
        body: Any = None,
        response: Any = None,
        fix: str | None = None,
    ) -> None:
        self.code = code
        self.details = details or []
        detail_text = "; ".join(
            f"{d.get('code', '?')}"
            + (f" ({d['target']})" if d.get("target") else "")
            + (f": {d['message']}" if d.get("message") else "")
            for d in self.details
        )
        text = f"HTTP {status} {code}: {message}"
        if detail_text:
            text += f" — {detail_text}"
        super().__init__(text, status=status, body=body, response=response, correlation_id=error_id, fix=fix)


class SignOnError(PingHelpersError):
    """The sign-on step did not produce an authorization code (wrong password, state mismatch, timeout)."""


class TokenValidationError(PingHelpersError):
    """A token failed validation. ``claim`` names the claim (or ``signature``) that failed."""

    def __init__(
        self, message: str, *, claim: str | None = None, rule: str | None = None, fix: str | None = None
    ) -> None:
        self.claim = claim
        super().__init__(message, rule=rule, fix=fix)
