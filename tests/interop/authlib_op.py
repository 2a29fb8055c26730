"""A second, independent OpenID Provider for interoperability tests: Authlib's AuthorizationServer on Werkzeug.

Why Authlib: it is a maintained, widely used, pure-PyPI OAuth 2.0 / OIDC server library (already pinned for
other tests), and its RFC 7523 client authentication (``JWTBearerClientAssertion``) verifies the
client_secret_jwt assertion with joserfc — code that is not ours. Everything protocol-relevant is Authlib's:

==========================  ==========================================================================
Authlib class               what it decides
==========================  ==========================================================================
AuthorizationServer         routing of /authorize and /token, error responses (RFC 6749 §5.2)
AuthorizationCodeGrant      the code grant: redirect_uri, code binding, single use (RFC 6749 §4.1)
CodeChallenge               PKCE S256 (RFC 7636), required
OpenIDCode                  the ID token: iss, aud, nonce, at_hash, RS256 signature (OIDC Core §3.1)
JWTBearerClientAssertion    client_secret_jwt: signature, iss = sub, aud, exp, jti (RFC 7523 §3)
RefreshTokenGrant           refresh_token grant (RFC 6749 §6)
IntrospectionEndpoint       RFC 7662          RevocationEndpoint        RFC 7009
==========================  ==========================================================================

Ours is only glue, as in Authlib's own Flask integration: in-memory storage (clients, codes, tokens, used
jti values), the Werkzeug request/response adapter, a user who consents at once (there is no login page —
the test is about the back channel), and the discovery + JWKS documents. Loopback only; HTTP is allowed via
``AUTHLIB_INSECURE_TRANSPORT`` which the test fixture sets.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from authlib.oauth2 import AuthorizationServer, OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, OAuth2Request, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import OctKey, RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

METHOD = "client_secret_jwt"  # RFC 8414 / IANA name of the method


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scope: str = "openid profile email"

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(self.scope.split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == METHOD  # this client authenticates with client_secret_jwt everywhere

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return ["pwd"]


@dataclass
class Token(TokenMixin):  # type: ignore[misc]
    client_id: str
    user: str
    access_token: str
    scope: str
    expires_in: int
    refresh_token: str | None = None
    issued_at: int = field(default_factory=lambda: int(time.time()))
    revoked: bool = False

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> str:
        return self.user

    def get_client(self) -> Any:
        return self.client_id


class WerkzeugPayload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, request: Request) -> None:
        self._request = request

    @property
    def data(self) -> Any:
        return self._request.values

    @cached_property
    def datalist(self) -> dict[str, list[str]]:
        values: dict[str, list[str]] = defaultdict(list)
        for key in self._request.values:
            values[key].extend(self._request.values.getlist(key))
        return values


class WerkzeugOAuth2Request(OAuth2Request):  # type: ignore[misc]
    """The same adapter as Authlib's Flask integration, over a plain Werkzeug request."""

    def __init__(self, request: Request) -> None:
        super().__init__(method=request.method, uri=request.url, headers=request.headers)
        self._request = request
        self.payload = WerkzeugPayload(request)

    @property
    def args(self) -> Any:
        return self._request.args

    @property
    def form(self) -> Any:
        return self._request.form


class Store:
    """In-memory state, guarded by one lock (Werkzeug serves each request on its own thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Token] = {}
        self.refresh: dict[str, Token] = {}
        self.jtis: set[tuple[str, str]] = set()
        self.token_posts = 0


class OP:
    """The provider: an issuer URL, one RSA key, and Authlib's server wired to in-memory storage."""

    user = "user-42"

    def __init__(self, issuer: str, store: Store) -> None:
        self.issuer = issuer
        self.store = store
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.key = RSAKey.import_key(pem, {"kid": "authlib-op-key", "use": "sig", "alg": "RS256"})
        # More public keys to publish beside the signing key (e.g. an EC key, as many providers have).
        self.extra_jwks: list[dict[str, Any]] = []
        self.server = self._build_server()

    # -- Authlib wiring -----------------------------------------------------------------------------------
    def _build_server(self) -> AuthorizationServer:
        op = self
        store = self.store

        class Server(AuthorizationServer):  # type: ignore[misc]
            def query_client(self, client_id: str) -> Client | None:
                return store.clients.get(client_id)

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                record = Token(
                    client_id=request.client.client_id,
                    user=op.user,
                    access_token=token["access_token"],
                    scope=token.get("scope", ""),
                    expires_in=int(token.get("expires_in", 3600)),
                    refresh_token=token.get("refresh_token"),
                )
                with store.lock:
                    store.tokens[record.access_token] = record
                    if record.refresh_token:
                        store.refresh[record.refresh_token] = record

            def create_oauth2_request(self, request: Request) -> WerkzeugOAuth2Request:
                return WerkzeugOAuth2Request(request)

            def create_json_request(self, request: Request) -> Any:
                raise NotImplementedError

            def handle_response(self, status: int, body: Any, headers: Any) -> Response:
                import json

                return Response(json.dumps(body) if isinstance(body, dict) else body, status=status, headers=headers)

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                pass

        server = Server()
        server.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **kw: secrets.token_urlsafe(32),
                refresh_token_generator=lambda **kw: secrets.token_urlsafe(48),
            ),
        )

        class ClientSecretJWTAuth(JWTBearerClientAssertion):  # type: ignore[misc]
            # Authlib names this method "client_assertion_jwt"; the IANA name for HMAC assertions is
            # client_secret_jwt. The verification (signature, claims, jti) is Authlib's/joserfc's.
            CLIENT_AUTH_METHOD = METHOD

            def get_audiences(self) -> list[str]:
                # RFC 7523 §3: the AS's token endpoint or issuer; like PingOne, the endpoint being called too.
                return [f"{op.issuer}/token", op.issuer, f"{op.issuer}/introspect", f"{op.issuer}/revoke"]

            def validate_jti(self, claims: Any, jti: str) -> bool:
                with store.lock:
                    key = (str(claims["sub"]), jti)
                    if key in store.jtis:
                        return False
                    store.jtis.add(key)
                    return True

            def resolve_client_public_key(self, client: Client) -> OctKey:
                return OctKey.import_key(client.client_secret)

        server.register_client_auth_method(METHOD, ClientSecretJWTAuth())

        class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS = [METHOD]  # noqa: RUF012 - Authlib's class attribute

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                data = request.payload.data
                with store.lock:
                    store.codes[code] = Code(
                        code=code,
                        client_id=request.client.client_id,
                        redirect_uri=data.get("redirect_uri", ""),
                        scope=request.payload.scope or "",
                        nonce=data.get("nonce"),
                        code_challenge=data.get("code_challenge"),
                        code_challenge_method=data.get("code_challenge_method"),
                    )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                with store.lock:
                    item = store.codes.get(code)
                return item if item is not None and item.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                with store.lock:
                    store.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> str:
                return op.user

        class IDToken(OpenIDCode):  # type: ignore[misc]
            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
                with store.lock:
                    return any(c.nonce == nonce for c in store.codes.values())

            def resolve_client_private_key(self, client: Client) -> RSAKey:
                return op.key

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                return {"iss": op.issuer, "aud": [client.client_id]}

            def get_encode_header(self, client: Client) -> dict[str, Any]:
                return {"alg": "RS256", "kid": "authlib-op-key"}

            def generate_user_info(self, user: str, scope: str) -> UserInfo:
                return UserInfo(sub=user, name="Interop User", email="interop@example.com")

        class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS = [METHOD]  # noqa: RUF012
            INCLUDE_NEW_REFRESH_TOKEN = True

            def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
                with store.lock:
                    token = store.refresh.get(refresh_token)
                return token if token is not None and not token.revoked else None

            def authenticate_user(self, refresh_token: Token) -> str:
                return refresh_token.user

            def revoke_old_credential(self, refresh_token: Token) -> None:
                refresh_token.revoked = True

        class Introspect(IntrospectionEndpoint):  # type: ignore[misc]
            CLIENT_AUTH_METHODS = [METHOD]  # noqa: RUF012

            def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
                with store.lock:
                    return store.tokens.get(token_string) or store.refresh.get(token_string)

            def check_permission(self, token: Token, client: Client, request: OAuth2Request) -> bool:
                return token.client_id == client.client_id

            def introspect_token(self, token: Token) -> dict[str, Any]:
                return {
                    "active": True,
                    "client_id": token.client_id,
                    "token_type": "Bearer",
                    "scope": token.scope,
                    "sub": token.user,
                    "iss": op.issuer,
                    "exp": token.issued_at + token.expires_in,
                    "iat": token.issued_at,
                }

        class Revoke(RevocationEndpoint):  # type: ignore[misc]
            CLIENT_AUTH_METHODS = [METHOD]  # noqa: RUF012

            def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
                with store.lock:
                    return store.tokens.get(token_string) or store.refresh.get(token_string)

            def revoke_token(self, token: Token, request: OAuth2Request) -> None:
                token.revoked = True

        server.register_grant(CodeGrant, [CodeChallenge(required=True), IDToken(require_nonce=True)])
        server.register_grant(RefreshGrant)
        server.register_endpoint(Introspect)
        server.register_endpoint(Revoke)
        return server

    # -- the WSGI app (glue) -----------------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        iss = self.issuer
        return {
            "issuer": iss,
            "authorization_endpoint": f"{iss}/authorize",
            "token_endpoint": f"{iss}/token",
            "jwks_uri": f"{iss}/jwks",
            "introspection_endpoint": f"{iss}/introspect",
            "revocation_endpoint": f"{iss}/revoke",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": [METHOD],
            "token_endpoint_auth_signing_alg_values_supported": ["HS256"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
        }

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        import json

        request = Request(environ)
        path = request.path
        prefix = "/op"
        if path == f"{prefix}/.well-known/openid-configuration":
            response = Response(json.dumps(self.discovery()), content_type="application/json")
        elif path == f"{prefix}/jwks":
            body = {"keys": [self.key.as_dict(private=False), *self.extra_jwks]}
            response = Response(json.dumps(body), content_type="application/json")
        elif path == f"{prefix}/authorize":
            # The user consents at once (no login page: this provider exists to test the back channel).
            try:
                grant = self.server.get_consent_grant(request=request, end_user=self.user)
            except OAuth2Error as error:
                response = self.server.handle_error_response(self.server.create_oauth2_request(request), error)
            else:
                response = self.server.create_authorization_response(request, grant_user=self.user, grant=grant)
        elif path == f"{prefix}/token" and request.method == "POST":
            with self.store.lock:
                self.store.token_posts += 1
            response = self.server.create_token_response(request)
        elif path == f"{prefix}/introspect" and request.method == "POST":
            response = self.server.create_endpoint_response("introspection", request)
        elif path == f"{prefix}/revoke" and request.method == "POST":
            response = self.server.create_endpoint_response("revocation", request)
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)


class AuthlibProvider:
    """Start/stop the provider on 127.0.0.1 (a free port); ``issuer`` is ``http://127.0.0.1:PORT/op``."""

    def __init__(self) -> None:
        self.store = Store()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}/op"
        self.op = OP(self.issuer, self.store)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.op(environ, start_response)

    def add_client(self, client_id: str, secret: str, redirect_uris: list[str]) -> Client:
        client = Client(client_id, secret, redirect_uris)
        self.store.clients[client_id] = client
        return client

    def __enter__(self) -> AuthlibProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
