"""Turn a PingOne error (plus what you sent) into ranked likely causes and their fixes.

PingOne's token endpoint says little on purpose (``invalid_client`` covers a wrong secret, a wrong ``aud``,
an expired assertion …). :func:`explain` combines the answer with the request's context — the assertion, the
settings, the clock — and ranks what most likely went wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from .errors import (
    ConfigurationError,
    ConnectionFailed,
    OAuthError,
    PingHelpersError,
    PingOneAPIError,
    PlatformError,
    RequestTimedOut,
    SignOnError,
    TokenValidationError,
)
from .rules import HMAC_ALGORITHMS, METHOD_CLIENT_SECRET_JWT, RULES, auth_method, check_assertion
from .timefmt import now as _clock_now

__all__ = ["CLOCK_SKEW_TOLERANCE", "Cause", "Explanation", "clock_skew", "explain", "explain_call"]


@dataclass(frozen=True)
class Cause:
    """One likely cause: how likely (0–1), what it is, how to fix it, and the evidence seen."""

    likelihood: float
    cause: str
    fix: str
    evidence: str = ""


@dataclass(frozen=True)
class Explanation:
    """A one-line summary and the likely causes, most likely first. ``str()`` is the CLI's paragraph."""

    summary: str
    causes: tuple[Cause, ...]

    @property
    def top(self) -> Cause | None:
        """The most likely cause."""
        return self.causes[0] if self.causes else None

    def __str__(self) -> str:
        lines = [self.summary]
        for n, c in enumerate(self.causes, 1):
            # The order is the ranking; no percentage is shown (the weights are heuristics, not measurements).
            lines.append(f"{n}. {c.cause}")
            if c.evidence:
                lines.append(f"   seen: {c.evidence}")
            lines.append(f"   fix: {c.fix}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from .display.reprs import explanation_html

        return explanation_html(self)


# How far apart this machine's clock and the server's may be before clock skew becomes a likely cause.
CLOCK_SKEW_TOLERANCE = 30.0
_TIME_RULES = frozenset({"exp-not-expired", "exp-within-one-hour", "nbf-not-future"})

_SECRET_WRONG = Cause(
    0.5,
    "the assertion's signature does not verify: a wrong client secret, or one rotated in PingOne since you copied it",
    RULES["signature"].fix,
)
_AUD_WRONG = Cause(0.4, "aud is not the token endpoint / issuer URL of this environment", RULES["aud-accepted"].fix)
_EXPIRED = Cause(
    0.35,
    "the assertion has expired, or its exp is more than one hour ahead",
    "build the assertion just before the request with a lifetime ≤ 3600 s",
)
_CLOCK = Cause(
    0.3,
    "this machine's clock is off, so exp/nbf look wrong to PingOne (clock skew)",
    "synchronise the clock (NTP: `timedatectl set-ntp true`, or the OS time settings), then retry with a fresh "
    "assertion",
)
_ISS_SUB = Cause(0.3, "iss/sub are not the client ID", RULES["iss-is-client-id"].fix)
_ALG = Cause(0.25, f"the assertion is not signed {'/'.join(HMAC_ALGORITHMS)}", RULES["alg-allowed"].fix)
_WRONG_METHOD = Cause(
    0.2,
    f"the application is not configured for {METHOD_CLIENT_SECRET_JWT} (tokenEndpointAuthMethod), or the request "
    "used another method",
    f"set the app's Token Endpoint Authentication Method to {auth_method(METHOD_CLIENT_SECRET_JWT).label}, or use "
    "the method it has",
)
_GENERIC_INVALID_CLIENT = (_SECRET_WRONG, _AUD_WRONG, _EXPIRED, _CLOCK, _ISS_SUB, _ALG, _WRONG_METHOD)

# The rule a local-sandbox diagnosis names (or a checklist failure) → the cause it pins down.
_RULE_CAUSES: dict[str, Cause] = {
    "signature": _SECRET_WRONG,
    "aud-accepted": _AUD_WRONG,
    "exp-not-expired": _EXPIRED,
    "exp-within-one-hour": _EXPIRED,
    "exp-present": Cause(0.3, "the assertion has no exp", RULES["exp-present"].fix),
    "nbf-not-future": Cause(0.3, "the assertion's nbf is in the future", RULES["nbf-not-future"].fix),
    "iss-is-client-id": _ISS_SUB,
    "sub-is-client-id": Cause(0.3, "sub is not the client ID", RULES["sub-is-client-id"].fix),
    "alg-allowed": _ALG,
    "compact-jws": Cause(0.3, "client_assertion is not a compact JWT", RULES["compact-jws"].fix),
    "assertion-type": Cause(0.3, "client_assertion_type is wrong", RULES["assertion-type"].fix),
}

_USED_CODE = Cause(
    0.5,
    "the authorization code was already used (codes are single-use)",
    "start the flow again for a new code; never resend a token request",
)
_EXPIRED_CODE = Cause(0.4, "the code expired before it was exchanged", "exchange the code right after the redirect")
_REDIRECT = Cause(
    0.35,
    "redirect_uri differs from the one in the authorize request",
    "send exactly the redirect_uri used in the authorize request (same scheme, host, port, path, trailing slash)",
)
_PKCE = Cause(
    0.3,
    "PKCE: code_verifier missing or does not match the code_challenge",
    "send the code_verifier that belongs to this authorization request",
)
_OTHER_CLIENT = Cause(0.2, "the code was issued to another client", "use the client that started the authorization")
_INVALID_GRANT = (_USED_CODE, _EXPIRED_CODE, _REDIRECT, _PKCE, _OTHER_CLIENT)


def clock_skew(error: PingHelpersError | Exception, *, now: float | None = None) -> float | None:
    """Seconds the server's clock is ahead of this machine's (negative: behind), from the answer's ``Date``
    header; ``None`` when there is no answer or no usable header."""
    response = getattr(error, "response", None)
    date = getattr(response, "headers", {}).get("Date") if response is not None else None
    if not date:
        return None
    try:
        server = parsedate_to_datetime(str(date)).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return server - (_clock_now() if now is None else now)


def _ranked(summary: str, causes: Sequence[Cause]) -> Explanation:
    best: dict[str, Cause] = {}
    for c in causes:
        if c.cause not in best or best[c.cause].likelihood < c.likelihood:
            best[c.cause] = c
    return Explanation(summary, tuple(sorted(best.values(), key=lambda c: -c.likelihood)))


def _boost(cause: Cause, likelihood: float, evidence: str) -> Cause:
    return Cause(likelihood, cause.cause, cause.fix, evidence or cause.evidence)


def explain(
    error: PingHelpersError | Exception,
    *,
    assertion: str | None = None,
    client_id: str | None = None,
    audiences: Sequence[str] | None = None,
    secret: Any = None,
    now: float | None = None,
    redirect_uri: str | None = None,
) -> Explanation:
    """Ranked likely causes of ``error``, with a fix for each.

    Context sharpens the ranking: the ``assertion`` that was sent (with the ``client_id``, the accepted
    ``audiences`` and optionally the ``secret``) is run through :func:`~pinghelpers.check_assertion`, so a
    broken rule is named instead of guessed; the answer's ``Date`` header exposes clock skew. The local
    sandbox's own diagnosis (its ``X-Local-Sandbox-Diagnosis`` header, :attr:`PingOneAPIError.diagnosis`) is used
    when present; PingOne sends none, and then the causes are ranked from the checklist and the context alone.
    :meth:`PingOneClient.explain` fills all of this in for you.

    >>> print(explain(exc, assertion=sent, client_id=cid, audiences=endpoints.accepted_audiences()))
    invalid_client: the assertion breaks PingOne's rules.
    1. aud is the full URL of the token endpoint, the issuer, or the endpoint being called
    """
    now_ts = _clock_now() if now is None else now
    skew = clock_skew(error, now=now_ts)
    clock_cause: list[Cause] = []
    if skew is not None and abs(skew) > CLOCK_SKEW_TOLERANCE:
        clock_cause.append(
            _boost(
                _CLOCK,
                0.9,
                f"the server's clock is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} this machine's",
            )
        )
    # Only the local sandbox sends a diagnosis; against PingOne it is None and nothing below needs it.
    diagnosis = getattr(error, "diagnosis", None)
    hint: str | None = diagnosis.rule if diagnosis is not None else None
    told = f"the local sandbox's diagnosis: {diagnosis}" if diagnosis is not None else ""
    if isinstance(error, OAuthError):
        desc = error.error_description or ""
        low = f"{desc} {diagnosis.detail if diagnosis is not None else ''}".lower()
        if error.error == "invalid_client":
            if "unsupported authentication method" in low:
                return _ranked(
                    f"{error.error}: the app is configured for a different client authentication method.",
                    [
                        Cause(
                            0.95,
                            "the request used a client authentication method the application is not set to",
                            "use the method in the app's tokenEndpointAuthMethod (CLIENT_SECRET_JWT: send "
                            "client_assertion + client_assertion_type, no Basic header, no client_secret)",
                            desc,
                        )
                    ],
                )
            causes: list[Cause] = list(_GENERIC_INVALID_CLIENT) + clock_cause
            summary = f"{error.error}: PingOne did not accept the client authentication."
            if hint in _RULE_CAUSES:
                causes.append(_boost(_RULE_CAUSES[hint], 0.97, told))
            if assertion and client_id and audiences:
                checklist = check_assertion(
                    assertion, client_id=client_id, audiences=audiences, secret=secret, now=now_ts
                )
                if checklist.failures:
                    summary = f"{error.error}: the assertion breaks PingOne's rules."
                    for n, item in enumerate(checklist.failures):
                        base = _RULE_CAUSES.get(item.rule.id, Cause(0.5, item.rule.text, item.rule.fix))
                        causes.append(Cause(0.95 - 0.05 * n, item.rule.text, item.rule.fix, item.detail))
                        # The generic twin of this rule is now certain too; drop it so the list stays short.
                        causes = [c for c in causes if c.cause != base.cause]
                elif hint in _TIME_RULES:
                    # The server says the times are wrong, yet by this machine's clock they are right:
                    # the two clocks disagree.
                    causes.append(
                        _boost(
                            _CLOCK,
                            0.99,
                            "the local sandbox refused the assertion's times, but by this machine's clock they pass",
                        )
                    )
                elif secret is not None and checklist["signature"].passed:
                    # Everything PingOne checks passes here, so PingOne must know a different secret or
                    # expect a different method: the secret was rotated, or the app changed.
                    causes.append(
                        _boost(
                            _SECRET_WRONG,
                            0.8,
                            "the assertion passes every rule with the secret you have — PingOne has another one",
                        )
                    )
                    causes.append(_boost(_WRONG_METHOD, 0.6, "the assertion itself is fine"))
                    causes = [c for c in causes if c not in (_AUD_WRONG, _EXPIRED, _ISS_SUB, _ALG)]
            return _ranked(summary, causes)
        if error.error == "invalid_grant":
            ranked: list[Cause] = list(_INVALID_GRANT) + clock_cause
            matches = (
                (("already", "used", "reuse", "redeemed"), _USED_CODE),
                (("expired",), _EXPIRED_CODE),
                (("redirect",), _REDIRECT),
                (("pkce", "verifier", "challenge"), _PKCE),
                (("another client", "different client", "client_id"), _OTHER_CLIENT),
            )
            for words, cause in matches:
                if any(w in low for w in words):
                    ranked.append(_boost(cause, 0.95, told or desc))
            if redirect_uri and redirect_uri in desc:
                ranked.append(_boost(_REDIRECT, 0.9, desc))
            return _ranked(f"{error.error}: the code could not be redeemed.", ranked)
        if error.error == "unsupported_grant_type":
            return _ranked(
                error.error,
                [
                    Cause(
                        0.9,
                        "the app does not allow this grant type",
                        "add the grant type to the application (Configuration → Grant Type)",
                        desc,
                    )
                ],
            )
        if error.error == "invalid_request":
            return _ranked(
                error.error,
                [
                    Cause(
                        0.8,
                        "a required form field is missing, duplicated or malformed",
                        "compare the request with the curl shown; send each field once",
                        desc,
                    )
                ],
            )
        if error.error in ("invalid_scope", "unauthorized_client", "access_denied"):
            return _ranked(
                error.error,
                [
                    Cause(
                        0.8,
                        "the application is not allowed this scope / grant / user",
                        "check the app's scopes, grant types and its access policy in PingOne",
                        desc,
                    )
                ],
            )
    if isinstance(error, PingOneAPIError) and error.status >= 500:
        return _ranked(
            f"HTTP {error.status}: a server-side failure.",
            [
                Cause(
                    0.9,
                    "PingOne (or the local sandbox) failed or is unavailable",
                    "wait a moment, then start the flow again for a new code (never resend the same code)",
                    told,
                )
            ],
        )
    if isinstance(error, PlatformError):
        text = " ".join(
            [error.message, *(f"{d.get('target', '')} {d.get('message', '')}" for d in error.details)]
        ).lower()
        causes = [
            Cause(
                0.6,
                "the request did not pass PingOne's validation",
                "read the details: " + "; ".join(str(d.get("message", d.get("code"))) for d in error.details)
                if error.details
                else "check the ids and values sent",
            )
        ]
        if "redirect" in text or (error.code == "INVALID_DATA" and error.status == 400 and not error.details):
            causes.append(
                Cause(
                    0.85 if "redirect" in text else 0.5,
                    "the redirect_uri is not registered on the application (PingOne shows this before sign-on)",
                    "add the exact redirect URI to the app's Redirect URIs, or send one that is registered",
                    error.message,
                )
            )
        if error.code == "ACCESS_FAILED" and any(d.get("code") == "INVALID_TOKEN" for d in error.details):
            # The flows API and /as/resume know the user by the ST session cookie that the username/password
            # check set (Set-Cookie: ST=…; Path=/{envID}); without it PingOne answers 401 ACCESS_FAILED /
            # INVALID_TOKEN "The authorization token is either missing or invalid, or it has expired."
            causes.append(
                Cause(
                    0.85,
                    "the ST session cookie was not sent back (or the sign-on session ended): the flows API and "
                    "/as/resume know the user only by the cookie the username/password check set",
                    "run authorize, the flow calls and resume in one requests.Session (one PingOneClient); a "
                    "proxy or cookie policy must not drop the ST cookie (Path=/{envID}); or start the sign-on again",
                    "; ".join(str(d.get("message", d.get("code"))) for d in error.details),
                )
            )
        if error.status == 403 and error.code == "ACCESS_FAILED":
            # Management API: 403 ACCESS_FAILED (INSUFFICIENT_PERMISSIONS / LICENSE_EXCEEDED) "You do not have
            # permissions or are not licensed to make this request." — the worker token lacks a role here.
            causes.append(
                Cause(
                    0.85,
                    "the worker app's token has no role allowing this call in this environment (or the licence "
                    "does not include it)",
                    "give the worker app the Environment Admin and Identity Data Admin roles for the target "
                    "environment (Applications → the worker app → Roles), then get a new worker token",
                    "; ".join(str(d.get("code")) for d in error.details) or error.message,
                )
            )
        if error.status == 429 or error.code == "REQUEST_LIMITED":
            causes.append(
                Cause(
                    0.9,
                    "PingOne's rate limit for this environment was reached (429 REQUEST_LIMITED)",
                    "wait (see the Retry-After header or innerError.quotaResetTime) and send fewer requests; "
                    "never loop on a token request",
                )
            )
        if error.status == 404:
            causes.append(
                Cause(
                    0.85,
                    "the flow expired (15 minutes idle) or the environment ID is wrong",
                    "start the sign-on again; check PINGONE_ENV_ID",
                )
            )
        if any(d.get("target") == "password" for d in error.details):
            causes.append(Cause(0.9, "wrong username or password", "check the test user's credentials"))
        return _ranked(f"{error.code}: {error.message}", causes)
    if isinstance(error, TokenValidationError):
        causes = [Cause(0.8, f"the token failed the {error.claim or 'format'} check", error.fix or "read the message")]
        if error.claim in ("exp", "nbf", "iat"):
            causes.append(_boost(_CLOCK, 0.5, ""))
        return _ranked(error.message, causes + clock_cause)
    if isinstance(error, RequestTimedOut):
        return _ranked(
            error.message,
            [
                Cause(
                    0.8,
                    "the server did not answer in time (network, proxy, or the server is slow)",
                    "retry the whole flow later; a token request is never resent — its code may already be used",
                )
            ],
        )
    if isinstance(error, ConnectionFailed):
        return _ranked(
            error.message,
            [
                Cause(
                    0.8,
                    "nothing answered at that address",
                    "check the region / auth path / custom domain; for the local sandbox, start it first",
                )
            ],
        )
    if isinstance(error, ConfigurationError):
        what = f"the setting {error.setting} is missing or invalid" if error.setting else "a setting is invalid"
        return _ranked(error.message, [Cause(0.9, what, error.fix or "correct the setting", error.rule or "")])
    if isinstance(error, SignOnError) and isinstance(error.__cause__, PingHelpersError):
        # The flows API said why (wrong password, expired flow …): explain that, under the sign-on's headline.
        inner = explain(error.__cause__, now=now_ts)
        return Explanation(error.message, inner.causes)
    if isinstance(error, SignOnError):
        return _ranked(
            error.message,
            [Cause(0.8, "the sign-on stopped before an authorization code was issued", error.fix or "start again")],
        )
    fix = getattr(error, "fix", None) or "read the message above"
    return _ranked(str(error), [Cause(0.5, type(error).__name__, fix), *clock_cause])


def explain_call(client: Any, error: Exception | Any, *, assertion: str | None = None) -> Explanation:
    """:func:`explain` with a :class:`~pinghelpers.client.PingOneClient`'s context: the assertion it sent, its
    client ID, the audiences this environment accepts, the secret (to check the signature), the redirect URI.

    ``error`` may be a failed call's exception or a ``TokenResponse`` from ``exchange_code(..., check=False)``.
    """
    from .errors import PingOneAPIError
    from .messages import TokenResponse

    if isinstance(error, TokenResponse):
        if error.assertion is not None and assertion is None:
            assertion = error.assertion.token
        if error.error is None:
            return Explanation(f"HTTP {error.status}: no error to explain", ())
        error = error.error
    if assertion is None and isinstance(error, PingOneAPIError):
        assertion = error.client_assertion  # the assertion this request sent, whatever other threads did
    settings = client.settings
    return explain(
        error,
        assertion=assertion,
        client_id=settings.client_id,
        audiences=client.endpoints.accepted_audiences(),
        secret=settings.client_secret,
        redirect_uri=settings.redirect_uri,
    )
