"""Client authentication at PingOne's token endpoint, as ``requests.auth.AuthBase`` classes.

Each class adds exactly what its method puts on the wire, so it composes with any ``requests`` call:

==========================  =================================================================================
class                       on the wire
==========================  =================================================================================
ClientSecretJWT             ``client_assertion`` (HS256 JWT signed with the secret) + ``client_assertion_type``
PrivateKeyJWT               the same two fields, the JWT signed with the app's private key
ClientSecretBasic           ``Authorization: Basic base64(client_id:client_secret)``
ClientSecretPost            ``client_id`` + ``client_secret`` in the form body
NoClientAuth                ``client_id`` in the form body (public clients; use PKCE)
==========================  =================================================================================

The JWT methods build a fresh assertion per request, with ``aud`` = the URL actually called by default
(PingOne accepts the token endpoint, the issuer or the endpoint called).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import requests
from requests.auth import AuthBase

from .assertion import DEFAULT_LIFETIME, ClientAssertion, build_client_assertion, build_private_key_assertion
from .errors import ConfigurationError
from .rules import CLIENT_ASSERTION_TYPE, auth_method
from .secret import Secret

__all__ = [
    "ClientSecretBasic",
    "ClientSecretJWT",
    "ClientSecretPost",
    "NoClientAuth",
    "PrivateKeyJWT",
    "auth_for_method",
]


def _add_form_fields(r: requests.PreparedRequest, fields: dict[str, str]) -> requests.PreparedRequest:
    body = r.body or ""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    pairs = parse_qsl(str(body), keep_blank_values=True)
    pairs.extend(fields.items())
    r.prepare_body(urlencode(pairs), None)
    r.headers["Content-Type"] = "application/x-www-form-urlencoded"
    return r


class _LastAssertion:
    """``last_assertion`` kept per thread: one auth object shared by many threads (a web app's client) must let
    each request read back *its own* assertion — a shared attribute would hand ``explain()`` another thread's."""

    _local: threading.local

    @property
    def last_assertion(self) -> ClientAssertion | None:
        local = self.__dict__.get("_local")
        return getattr(local, "assertion", None) if local is not None else None

    @last_assertion.setter
    def last_assertion(self, value: ClientAssertion | None) -> None:
        local = self.__dict__.setdefault("_local", threading.local())
        local.assertion = value


class ClientSecretJWT(_LastAssertion, AuthBase):
    """CLIENT_SECRET_JWT: an HS256/384/512 assertion signed with the client secret, built per request.

    >>> requests.post(ep.token_endpoint, data={...}, auth=ClientSecretJWT(client_id, secret))
    """

    method = "client_secret_jwt"

    def __init__(
        self,
        client_id: str,
        client_secret: Secret | str,
        *,
        audience: str | None = None,
        algorithm: str = "HS256",
        lifetime: int = DEFAULT_LIFETIME,
        now: Callable[[], float] | None = None,
        **assertion_options: Any,
    ) -> None:
        self.client_id = client_id
        self._secret = Secret(client_secret)
        self.audience = audience
        self.algorithm = algorithm
        self.lifetime = lifetime
        self._now = now
        self._options = assertion_options
        self._local = threading.local()

    def assertion_for(self, url: str) -> ClientAssertion:
        return build_client_assertion(
            self.client_id,
            self._secret,
            self.audience or url.split("?", 1)[0],
            algorithm=self.algorithm,
            lifetime=self.lifetime,
            now=self._now() if self._now else None,
            **self._options,
        )

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        assertion = self.assertion_for(str(r.url))
        self.last_assertion = assertion
        return _add_form_fields(
            r, {"client_assertion": assertion.token, "client_assertion_type": CLIENT_ASSERTION_TYPE}
        )

    def __repr__(self) -> str:
        return f"ClientSecretJWT(client_id={self.client_id!r}, client_secret={self._secret!r}, alg={self.algorithm!r})"


class PrivateKeyJWT(_LastAssertion, AuthBase):
    """PRIVATE_KEY_JWT: an RS256 assertion signed with the app's private key (``kid`` names its JWK)."""

    method = "private_key_jwt"

    def __init__(
        self,
        client_id: str,
        private_key: Any,
        *,
        kid: str | None = None,
        audience: str | None = None,
        algorithm: str = "RS256",
        lifetime: int = DEFAULT_LIFETIME,
        now: Callable[[], float] | None = None,
    ) -> None:
        self.client_id = client_id
        self._key = private_key
        self.kid = kid
        self.audience = audience
        self.algorithm = algorithm
        self.lifetime = lifetime
        self._now = now
        self._local = threading.local()

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        assertion = build_private_key_assertion(
            self.client_id,
            self._key,
            self.audience or str(r.url).split("?", 1)[0],
            algorithm=self.algorithm,
            kid=self.kid,
            lifetime=self.lifetime,
            now=self._now() if self._now else None,
        )
        self.last_assertion = assertion
        return _add_form_fields(
            r, {"client_assertion": assertion.token, "client_assertion_type": CLIENT_ASSERTION_TYPE}
        )

    def __repr__(self) -> str:
        return f"PrivateKeyJWT(client_id={self.client_id!r}, kid={self.kid!r}, alg={self.algorithm!r})"


class ClientSecretBasic(AuthBase):
    """CLIENT_SECRET_BASIC: HTTP Basic with the form-urlencoded id and secret (RFC 6749 §2.3.1)."""

    method = "client_secret_basic"

    def __init__(self, client_id: str, client_secret: Secret | str) -> None:
        self.client_id = client_id
        self._secret = Secret(client_secret)

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        # RFC 6749 §2.3.1: both parts are application/x-www-form-urlencoded before base64.
        raw = f"{quote(self.client_id, safe='')}:{quote(self._secret.reveal(), safe='')}"
        r.headers["Authorization"] = "Basic " + base64.b64encode(raw.encode("utf-8")).decode("ascii")
        return r

    def __repr__(self) -> str:
        return f"ClientSecretBasic(client_id={self.client_id!r}, client_secret={self._secret!r})"


class ClientSecretPost(AuthBase):
    """CLIENT_SECRET_POST: ``client_id`` and ``client_secret`` in the form body."""

    method = "client_secret_post"

    def __init__(self, client_id: str, client_secret: Secret | str) -> None:
        self.client_id = client_id
        self._secret = Secret(client_secret)

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return _add_form_fields(r, {"client_id": self.client_id, "client_secret": self._secret.reveal()})

    def __repr__(self) -> str:
        return f"ClientSecretPost(client_id={self.client_id!r}, client_secret={self._secret!r})"


class NoClientAuth(AuthBase):
    """NONE: a public client; sends ``client_id`` only. PingOne requires PKCE for these."""

    method = "none"

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return _add_form_fields(r, {"client_id": self.client_id})

    def __repr__(self) -> str:
        return f"NoClientAuth(client_id={self.client_id!r})"


def auth_for_method(
    method: str,
    client_id: str,
    client_secret: Secret | str | None = None,
    *,
    private_key: Any = None,
    kid: str | None = None,
    **options: Any,
) -> AuthBase:
    """The AuthBase for a ``tokenEndpointAuthMethod`` in any spelling (``CLIENT_SECRET_JWT``, ``client_secret_jwt``).

    The names and which methods need the secret come from :data:`pinghelpers.rules.AUTH_METHODS`.

    >>> requests.post(ep.token_endpoint, data=form, auth=auth_for_method("CLIENT_SECRET_JWT", client_id, secret))
    """
    used = auth_method(method)
    if used.needs_secret and not client_secret:
        raise ConfigurationError(
            f"{used.key} needs the client secret",
            setting="PINGONE_CLIENT_SECRET",
            fix="set PINGONE_CLIENT_SECRET or type the secret into the form",
        )
    if used.key == PrivateKeyJWT.method:
        if private_key is None:
            raise ConfigurationError(f"{used.key} needs a private key", fix="pass private_key= (PEM or key)")
        return PrivateKeyJWT(client_id, private_key, kid=kid, **options)
    if used.key == NoClientAuth.method:
        return NoClientAuth(client_id)
    assert client_secret is not None  # needs_secret, checked above
    if used.key == ClientSecretJWT.method:
        return ClientSecretJWT(client_id, client_secret, **options)
    return _SECRET_CLASSES[used.key](client_id, client_secret)


_SECRET_CLASSES: dict[str, type[ClientSecretBasic | ClientSecretPost]] = {
    cls.method: cls for cls in (ClientSecretBasic, ClientSecretPost)
}
