"""Turn a PingOne error (plus what you sent) into ranked likely causes and their fixes.

PingOne's token endpoint says little on purpose (``invalid_client`` covers a wrong secret, a wrong ``aud``,
an expired assertion …). :func:`explain` combines the answer with the request's context — the assertion, the
settings, the clock — and ranks what most likely went wrong.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from .errors import OAuthError, PingHelpersError, PingOneAPIError, PlatformError
from .rules import RULES, check_assertion

__all__ = ["Cause", "Explanation", "explain", "fix_for"]


@dataclass(frozen=True)
class Cause:
    """One likely cause: how likely (0–1), what it is, how to fix it, and the evidence seen."""

    likelihood: float
    cause: str
    fix: str
    evidence: str = ""


@dataclass(frozen=True)
class Explanation:
    summary: str
    causes: tuple[Cause, ...]

    def __str__(self) -> str:
        lines = [self.summary]
        for n, c in enumerate(self.causes, 1):
            lines.append(f"{n}. {c.cause} ({c.likelihood:.0%})")
            if c.evidence:
                lines.append(f"   seen: {c.evidence}")
            lines.append(f"   fix: {c.fix}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        items = "".join(
            f"<li><b>{escape(c.cause)}</b> <small>({c.likelihood:.0%})</small>"
            + (f"<br><small>seen: {escape(c.evidence)}</small>" if c.evidence else "")
            + f"<br>fix: {escape(c.fix)}</li>"
            for c in self.causes
        )
        return f"<p>{escape(self.summary)}</p><ol>{items}</ol>"


_GENERIC_INVALID_CLIENT = (
    Cause(
        0.5,
        "the assertion's signature does not verify: wrong or rotated client secret",
        RULES["signature"].fix,
    ),
    Cause(0.4, "aud is not the token endpoint / issuer URL of this environment", RULES["aud-accepted"].fix),
    Cause(
        0.35,
        "the assertion has expired or exp is more than one hour ahead (clock skew?)",
        "build the assertion just before the request with a lifetime ≤ 3600 s; sync this machine's clock",
    ),
    Cause(0.3, "iss/sub are not the client ID", RULES["iss-is-client-id"].fix),
    Cause(
        0.2,
        "the application is not configured for CLIENT_SECRET_JWT (tokenEndpointAuthMethod)",
        "set the app's Token Endpoint Authentication Method to Client Secret JWT, or use the method it has",
    ),
)

_INVALID_GRANT = (
    Cause(
        0.5,
        "the authorization code was already used (codes are single-use)",
        "start the flow again for a new code; never resend a token request",
    ),
    Cause(0.4, "the code expired before it was exchanged", "exchange the code right after the redirect"),
    Cause(
        0.35,
        "redirect_uri differs from the one in the authorize request",
        "send exactly the redirect_uri used in the authorize request",
    ),
    Cause(
        0.3,
        "PKCE: code_verifier missing or does not match the code_challenge",
        "send the code_verifier that belongs to this authorization request",
    ),
    Cause(0.2, "the code was issued to another client", "use the client that started the authorization"),
)


def explain(
    error: PingHelpersError | Exception,
    *,
    assertion: str | None = None,
    client_id: str | None = None,
    audiences: Sequence[str] | None = None,
    secret: Any = None,
    now: float | None = None,
) -> Explanation:
    """Ranked likely causes of ``error``. With the ``assertion`` sent (and the client id, accepted audiences,
    optionally the secret), the checker pins the cause instead of guessing."""
    if isinstance(error, OAuthError):
        desc = error.error_description.lower()
        if error.error == "invalid_client":
            if "unsupported authentication method" in desc:
                return Explanation(
                    f"{error.error}: the app is configured for a different client authentication method.",
                    (
                        Cause(
                            0.95,
                            "the request used an authentication method the application is not set to",
                            "use the method in the app's tokenEndpointAuthMethod (CLIENT_SECRET_JWT here: send "
                            "client_assertion + client_assertion_type, no Basic header, no client_secret)",
                        ),
                    ),
                )
            if assertion and client_id and audiences:
                checklist = check_assertion(
                    assertion,
                    client_id=client_id,
                    audiences=audiences,
                    secret=secret,
                    now=time.time() if now is None else now,
                )
                if checklist.failures:
                    causes = tuple(
                        Cause(0.95 - 0.05 * n, f"rule {i.rule.id}: {i.rule.text}", i.rule.fix, i.detail)
                        for n, i in enumerate(checklist.failures)
                    )
                    return Explanation(f"{error.error}: the assertion breaks PingOne's rules.", causes)
            return Explanation(
                f"{error.error}: PingOne did not accept the client authentication.", _GENERIC_INVALID_CLIENT
            )
        if error.error == "invalid_grant":
            ranked = list(_INVALID_GRANT)
            for n, c in enumerate(ranked):
                key = c.cause.split()[1] if c.cause.startswith("the ") else ""
                if (
                    ("already" in desc and "already" in c.cause)
                    or ("expired" in desc and "expired" in c.cause)
                    or ("redirect" in desc and "redirect_uri" in c.cause)
                    or (("pkce" in desc or "verifier" in desc) and "PKCE" in c.cause)
                    or ("client" in desc and "another client" in c.cause)
                ):
                    ranked[n] = Cause(0.95, c.cause, c.fix, error.error_description)
                del key
            ranked.sort(key=lambda c: -c.likelihood)
            return Explanation(f"{error.error}: the code could not be redeemed.", tuple(ranked))
        if error.error == "unsupported_grant_type":
            return Explanation(
                error.error,
                (
                    Cause(
                        0.9,
                        "the app does not allow this grant type",
                        "add the grant type to the application (Grant Types)",
                    ),
                ),
            )
        if error.error == "invalid_request":
            return Explanation(
                error.error,
                (
                    Cause(
                        0.8,
                        "a required form field is missing or duplicated",
                        "compare the request with the curl shown; send each field once",
                        error.error_description,
                    ),
                ),
            )
    if isinstance(error, PlatformError):
        return Explanation(
            f"{error.code}: {error.message}",
            (
                Cause(
                    0.8,
                    "the request did not pass PingOne's validation",
                    "read the details: " + "; ".join(str(d.get("message", d.get("code"))) for d in error.details)
                    if error.details
                    else "check the ids and values sent",
                ),
            ),
        )
    if isinstance(error, PingOneAPIError) and error.status >= 500:
        return Explanation(
            f"HTTP {error.status}: a server-side failure.",
            (
                Cause(
                    0.9,
                    "PingOne (or the sandbox) failed",
                    "wait a moment, then start the flow again for a new code (never resend the same code)",
                ),
            ),
        )
    fix = getattr(error, "fix", None) or "read the message above"
    return Explanation(str(error), (Cause(0.5, type(error).__name__, fix),))


def fix_for(error: PingHelpersError | Exception) -> str:
    """The single most likely fix for ``error`` (used to fill ``error.fix`` on token failures)."""
    causes = explain(error).causes
    return causes[0].fix if causes else ""
