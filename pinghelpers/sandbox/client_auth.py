"""Client authentication at ``/as/token``, ``/as/introspect`` and ``/as/revoke``, by the app's method.

PingOne authenticates a client by its application's ``tokenEndpointAuthMethod`` — one method per request
(RFC 6749 §2.3): ``CLIENT_SECRET_BASIC`` (RFC 6749 §2.3.1), ``CLIENT_SECRET_POST``, ``CLIENT_SECRET_JWT`` and
``PRIVATE_KEY_JWT`` (RFC 7523 §2.2, a ``client_assertion``), or ``NONE`` (a public client names itself). A client
assertion is checked by :func:`pinghelpers.rules.check_assertion`'s rules — the same checker the client runs
before sending — against the ``aud`` values :func:`pinghelpers.rules.accepted_audiences` lists.

A secret being rotated ("Update Application Secret",
https://developer.pingidentity.com/pingone-api/platform/applications/application-secret/update-application-secret.html:
the replaced secret is "a previous secret that remains valid for a specified period, up to 30 days") is accepted
until its ``expiresAt`` by the sandbox clock — by client_secret_basic/post and as the CLIENT_SECRET_JWT HMAC key.

Faults (from the request's context): ``clock_skew`` and ``wrong_audience`` break the assertion check,
``rotated_secret`` any check of the app's secret.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import jwt

from ..jose import constant_time_equals, decode_compact
from ..rules import (
    METHOD_CLIENT_SECRET_JWT,
    METHOD_PRIVATE_KEY_JWT,
    accepted_audiences,
    check_assertion,
)
from ..secret import Secret
from .context import Context
from .errors import oauth_error, unsupported_auth
from .state import App

__all__ = ["authenticate_client"]


def authenticate_client(ctx: Context, form: dict[str, str]) -> App:
    """Client authentication by the app's ``tokenEndpointAuthMethod`` — one method per request.

    The same check serves ``/as/token``, ``/as/introspect`` and ``/as/revoke`` (PingOne uses the app's
    method at each). A method the app is not configured for → 401 ``invalid_client`` "Request denied:
    Unsupported authentication method".
    """
    env = ctx.env
    presented: list[str] = []
    basic_id = basic_secret = None
    header = ctx.request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            raise unsupported_auth()
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            raw_id, sep, raw_secret = decoded.partition(":")
            if not sep:
                raise ValueError
            # RFC 6749 §2.3.1: client_id and secret are form-urlencoded before Basic encoding.
            basic_id = unquote(raw_id.replace("+", " "))
            basic_secret = unquote(raw_secret.replace("+", " "))
        except (ValueError, UnicodeDecodeError):
            raise oauth_error(401, "invalid_client", "malformed Basic credentials", rule="basic-credentials") from None
        presented.append("CLIENT_SECRET_BASIC")
    if "client_secret" in form:
        presented.append("CLIENT_SECRET_POST")
    if "client_assertion" in form or "client_assertion_type" in form:
        presented.append("JWT")
    if len(presented) > 1:
        # RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
        raise oauth_error(
            401,
            "invalid_client",
            f"more than one client authentication method was used ({', '.join(presented)})",
            rule="one-auth-method",
        )

    if presented == ["JWT"]:
        assertion = form.get("client_assertion", "")
        try:
            # Unverified, only to find the app; the rules' checker then verifies everything, from this
            # same decode (one parser for both, run once).
            parts: tuple[dict[str, Any], dict[str, Any], bytes, bytes] | None = decode_compact(assertion)
            reason = ""
        except ValueError as exc:
            parts, reason = None, f": {exc}"
        claims = parts[1] if parts is not None else None
        if claims is None and not form.get("client_id"):
            raise oauth_error(
                401,
                "invalid_client",
                f"client_assertion is not a compact JWT (header.payload.signature){reason}",
                rule="compact-jws",
            )
        # Which app? client_id if sent, else whichever of iss / sub names a known app (the checker then
        # reports the claim that does not match).
        candidates = (
            [form.get("client_id")] if form.get("client_id") else [(claims or {}).get("iss"), (claims or {}).get("sub")]
        )
        app = next((env.apps[c] for c in candidates if isinstance(c, str) and c in env.apps), None)
        if app is None or not app.enabled:
            raise oauth_error(
                401,
                "invalid_client",
                "the client (iss/sub or client_id) is not a known, enabled application",
                rule="known-client",
            )
        if app.token_endpoint_auth_method not in (METHOD_CLIENT_SECRET_JWT, METHOD_PRIVATE_KEY_JWT):
            raise unsupported_auth()
        _check_client_assertion(ctx, app, assertion, form.get("client_assertion_type"), decoded=parts)
        return app
    if presented in (["CLIENT_SECRET_BASIC"], ["CLIENT_SECRET_POST"]):
        method = presented[0]
        client_id = str(basic_id) if method == "CLIENT_SECRET_BASIC" else form.get("client_id", "")
        given = str(basic_secret) if method == "CLIENT_SECRET_BASIC" else form.get("client_secret", "")
        app = env.apps.get(client_id)
        if app is None or not app.enabled:
            raise oauth_error(401, "invalid_client", "unknown client", rule="known-client")
        if app.token_endpoint_auth_method != method:
            raise unsupported_auth()
        secret, fault = _current_secret(ctx, app)
        previous = app.previous_live(ctx.issuer.now()) if fault is None else None
        matches = constant_time_equals(secret.reveal(), given)
        if previous is not None:  # both compared, so the timing does not tell which one matched
            matches = constant_time_equals(previous.reveal(), given) | matches
        if not matches:
            raise oauth_error(
                401,
                "invalid_client",
                "invalid client credentials (the client secret differs)",
                rule="client-secret",
                fault=fault,
            )
        return app
    # No credentials: a public client (NONE) names itself with client_id.
    app = env.apps.get(form.get("client_id", ""))
    if app is None or not app.enabled:
        raise oauth_error(401, "invalid_client", "client authentication is required", rule="known-client")
    if app.token_endpoint_auth_method != "NONE":
        raise unsupported_auth()
    return app


def _current_secret(ctx: Context, app: App) -> tuple[Secret, str | None]:
    """The app's secret — or, under the ``rotated_secret`` fault, a new one the client cannot know — and the
    fault's name (for the diagnosis header only)."""
    armed = ctx.fault("client_secret")
    if armed is not None:
        return Secret(secrets.token_urlsafe(48)), armed.name
    return app.secret, None


def _check_client_assertion(
    ctx: Context,
    app: App,
    assertion: str,
    assertion_type: str | None,
    *,
    decoded: tuple[dict[str, Any], dict[str, Any], bytes, bytes] | None = None,
) -> None:
    """CLIENT_SECRET_JWT / PRIVATE_KEY_JWT: the assertion against PingOne's rules, or 401 naming the rule broken.

    ``decoded``: ``decode_compact(assertion)`` when the caller has it (saves a second decode).
    """
    # PingOne ("Create a client secret JWT"): aud is the token endpoint, the issuer, or the endpoint actually
    # called, as full URLs — the one list rules.accepted_audiences builds for the client and the sandbox alike.
    accepted: tuple[str, ...] = accepted_audiences(ctx.issuer_url, called=ctx.called_url)
    now = ctx.issuer.now()
    armed = ctx.fault("client_assertion")
    if armed is not None and armed.name == "clock_skew":
        now += 7200  # the server's clock runs two hours ahead: the assertion's exp has passed
    if armed is not None and armed.name == "wrong_audience":
        # The server now expects another environment's token endpoint: no aud the client builds matches.
        accepted = (f"{ctx.base_url}/{uuid.uuid4()}/as/token",)
    method = app.token_endpoint_auth_method
    verify: Callable[[str, dict[str, Any]], bool] | None = None
    secret: Secret | None = None
    secret_fault: str | None = None
    if method == METHOD_PRIVATE_KEY_JWT:
        verify = _jwks_verifier(app)
    else:
        secret, secret_fault = _current_secret(ctx, app)
    # One source of truth: the same checker the client runs before sending (pinghelpers.rules).
    options: dict[str, Any] = {
        "client_id": app.id,
        "audiences": accepted,
        "secret": secret,
        "verify_signature": verify,
        "method": method,
        "assertion_type": assertion_type or "",
        "now": now,
    }
    checklist = check_assertion(assertion, decoded=decoded, **options)
    failure = checklist.first_failure
    previous = app.previous_live(ctx.issuer.now()) if secret is not None and secret_fault is None else None
    if failure is not None and failure.rule.id == "signature" and previous is not None:
        # Rotation: the previous secret signs too, until it expires (checked by the same rules).
        checklist = check_assertion(assertion, decoded=decoded, **{**options, "secret": previous})
        failure = checklist.first_failure
    if failure is not None:
        raise oauth_error(
            401,
            "invalid_client",
            f"Invalid client assertion — {failure.detail or failure.rule.text}",
            rule=failure.rule.id,
            fault=armed.name if armed is not None else secret_fault,
        )


def _jwks_verifier(app: App) -> Callable[[str, dict[str, Any]], bool]:
    """PRIVATE_KEY_JWT: verify with the app's JWKS (keys parsed once; ``kid`` picks the key when given)."""

    def verify(token: str, header: dict[str, Any]) -> bool:
        kid = header.get("kid")
        alg = str(header.get("alg"))
        for key_id, key in app.public_keys():
            if kid and key_id and key_id != kid:
                continue
            try:
                jwt.decode(
                    token,
                    key,
                    algorithms=[alg],
                    options={
                        "verify_aud": False,
                        "verify_exp": False,
                        "verify_nbf": False,
                        "verify_iat": False,
                        "verify_iss": False,
                    },
                )
                return True
            except (jwt.InvalidTokenError, jwt.PyJWKError, ValueError, TypeError):
                continue
        return False

    return verify
