"""Discovery and keys: ``/{envID}/as/.well-known/openid-configuration`` and ``/{envID}/as/jwks``.

PingOne publishes an OpenID Connect discovery document (OpenID Connect Discovery 1.0 §3) per environment; the
fields PingOne's own capture truncated are filled with the likely values (README: sandbox choices).
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from .context import Context, Route
from .errors import json_response
from .response_types import SERVED_RESPONSE_TYPES

__all__ = ["ROUTES", "discovery", "jwks"]


def discovery(ctx: Context) -> Response:
    """``/as/.well-known/openid-configuration``: PingOne's discovery fields, for the endpoints routed here.

    Only endpoints a route serves are advertised (issue 13 item 6) — PAR and device authorization both are.
    """
    iss = ctx.issuer_url
    doc = {
        "issuer": iss,
        "authorization_endpoint": f"{iss}/authorize",
        "token_endpoint": f"{iss}/token",
        "userinfo_endpoint": f"{iss}/userinfo",
        "jwks_uri": f"{iss}/jwks",
        "end_session_endpoint": f"{iss}/signoff",
        "introspection_endpoint": f"{iss}/introspect",
        "revocation_endpoint": f"{iss}/revoke",
        "device_authorization_endpoint": f"{iss}/device_authorization",  # RFC 8628 §4; served by .device
        "pushed_authorization_request_endpoint": f"{iss}/par",  # PingOne's discovery: {issuer}/par
        "claims_parameter_supported": False,
        "request_parameter_supported": True,
        "request_uri_parameter_supported": False,
        "require_pushed_authorization_requests": False,
        "scopes_supported": ["openid", "profile", "email", "address", "phone"],
        # PingOne's discovery, as published: every response type listed is served (.response_types), and "token"
        # too — unlisted, as in PingOne's (its "Response types" page and Authorize (implicit) examples use it).
        "response_types_supported": [v for v in SERVED_RESPONSE_TYPES if v != "token"],
        # PingOne's four ("Browserless authentication flow options"): all served.
        "response_modes_supported": ["pi.flow", "query", "fragment", "form_post"],
        # PingOne's list, every grant in it served (device_code: .device, RFC 8628).
        "grant_types_supported": [
            "authorization_code",
            "implicit",
            "client_credentials",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code",
        ],
        # Below: UNCONFIRMED fields, filled with the likely values (README: sandbox choices).
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "userinfo_signing_alg_values_supported": ["none"],
        "request_object_signing_alg_values_supported": ["none", "HS256", "HS384", "HS512", "RS256"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "client_secret_jwt",
            "private_key_jwt",
            "none",
        ],
        "token_endpoint_auth_signing_alg_values_supported": [
            "HS256",
            "HS384",
            "HS512",
            "RS256",
            "RS384",
            "RS512",
        ],
        "code_challenge_methods_supported": ["plain", "S256"],
        "claim_types_supported": ["normal"],
        "claims_supported": [
            "sub",
            "iss",
            "auth_time",
            "acr",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "email",
            "env",
            "org",
            "p1.region",
        ],
    }
    return json_response(doc)


def jwks(ctx: Context) -> Response:
    """``/as/jwks``: the issuer's one signing key (RS256, with ``kid``, ``x5t`` and ``x5c``)."""
    return json_response({"keys": [ctx.issuer.key.jwk()]})


ROUTES: tuple[Route, ...] = (
    ("/<env_id>/as/.well-known/openid-configuration", "discovery", ("GET",), discovery),
    ("/<env_id>/as/jwks", "jwks", ("GET",), jwks),
)
