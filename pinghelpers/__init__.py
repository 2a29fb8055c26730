"""pinghelpers — PingOne's authorization-code flow with CLIENT_SECRET_JWT, as a library, a CLI and a workbook.

Live against a PingOne environment (``PINGONE_*`` settings) or offline against the local sandbox::

    from pinghelpers import PingOneClient, Settings
    settings = Settings.from_env()                 # None when no PINGONE_* target is set
    with PingOneClient(settings) as client:
        request = client.authorization_request()
        code = client.sign_on(request).code
        tokens = client.exchange_code(code, code_verifier=request.code_verifier)

Heavy parts (the HTTP client, JWT signing, the sandbox server, Jupyter display helpers) are imported on
first use, so ``import pinghelpers`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__
from .endpoints import REGIONS, Endpoints
from .errors import (
    AssertionBuildError,
    ConfigurationError,
    ConnectionFailed,
    InvalidResponse,
    OAuthError,
    PingHelpersError,
    PingOneAPIError,
    PlatformError,
    RequestTimedOut,
    SignOnError,
    TokenValidationError,
    TransportError,
)
from .explain import explain
from .rules import CLIENT_ASSERTION_TYPE, RULES, Checklist, check_assertion
from .secret import Secret
from .settings import Settings
from .snippets import snippet

if TYPE_CHECKING:
    from .assertion import ClientAssertion, build_client_assertion, build_private_key_assertion
    from .auth import (
        ClientSecretBasic,
        ClientSecretJWT,
        ClientSecretPost,
        NoClientAuth,
        PrivateKeyJWT,
        auth_for_method,
    )
    from .client import PingOneClient
    from .decoding import decode_unverified
    from .idtoken import IdTokenReport, at_hash, validate_id_token
    from .inspection import hmac_walkthrough, inspect_jwt, verify_with_jwks, verify_with_secret
    from .messages import (
        AuthorizationRequest,
        AuthorizationResult,
        Flow,
        TokenResponse,
        code_from,
        parse_callback,
        pkce_pair,
    )
    from .probe import probe
    from .sandbox import Sandbox
    from .tokens import BearerAuth, OAuth2Auth

# Loaded on first use (PEP 562): these pull in requests, PyJWT and cryptography (~150-450 ms measured on a
# 2-core machine), which `pinghelpers --help`, Settings and the rule checker do not need.
# benchmarks/bench_import.py holds `import pinghelpers` to +150 ms over `python -c pass`.
_LAZY: dict[str, str] = {
    **dict.fromkeys(("ClientAssertion", "build_client_assertion", "build_private_key_assertion"), "assertion"),
    **dict.fromkeys(
        (
            "ClientSecretBasic",
            "ClientSecretJWT",
            "ClientSecretPost",
            "NoClientAuth",
            "PrivateKeyJWT",
            "auth_for_method",
        ),
        "auth",
    ),
    "PingOneClient": "client",
    "probe": "probe",
    **dict.fromkeys(
        (
            "AuthorizationRequest",
            "AuthorizationResult",
            "Flow",
            "TokenResponse",
            "code_from",
            "parse_callback",
            "pkce_pair",
        ),
        "messages",
    ),
    **dict.fromkeys(("BearerAuth", "OAuth2Auth"), "tokens"),
    "decode_unverified": "decoding",
    **dict.fromkeys(("IdTokenReport", "at_hash", "validate_id_token"), "idtoken"),
    **dict.fromkeys(("hmac_walkthrough", "inspect_jwt", "verify_with_jwks", "verify_with_secret"), "inspection"),
    # The sandbox pulls in Werkzeug and generates an RSA key.
    "Sandbox": "sandbox",
}


__all__ = [
    "CLIENT_ASSERTION_TYPE",
    "REGIONS",
    "RULES",
    "AssertionBuildError",
    "AuthorizationRequest",
    "AuthorizationResult",
    "BearerAuth",
    "Checklist",
    "ClientAssertion",
    "ClientSecretBasic",
    "ClientSecretJWT",
    "ClientSecretPost",
    "ConfigurationError",
    "ConnectionFailed",
    "Endpoints",
    "Flow",
    "IdTokenReport",
    "InvalidResponse",
    "NoClientAuth",
    "OAuth2Auth",
    "OAuthError",
    "PingHelpersError",
    "PingOneAPIError",
    "PingOneClient",
    "PlatformError",
    "PrivateKeyJWT",
    "RequestTimedOut",
    "Sandbox",
    "Secret",
    "Settings",
    "SignOnError",
    "TokenResponse",
    "TokenValidationError",
    "TransportError",
    "at_hash",
    "auth_for_method",
    "build_client_assertion",
    "build_private_key_assertion",
    "check_assertion",
    "code_from",
    "decode_unverified",
    "explain",
    "hmac_walkthrough",
    "inspect_jwt",
    "parse_callback",
    "pkce_pair",
    "probe",
    "snippet",
    "validate_id_token",
    "verify_with_jwks",
    "verify_with_secret",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pinghelpers' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
