"""Settings: which PingOne environment to talk to, and as which application.

Sources, highest priority first: keyword arguments, ``PINGONE_*`` environment variables, a ``.env`` file.
With none of ``PINGONE_ENV_ID`` / ``PINGONE_AUTH_PATH`` / ``PINGONE_ISSUER`` set, :func:`Settings.from_env`
returns ``None`` and the workbook uses the local sandbox instead.

=========================  ==================================================================================
variable                   meaning
=========================  ==================================================================================
PINGONE_REGION             NA (default), CA, EU, AU, SG, AP — picks ``https://auth.pingone.<tld>``
PINGONE_AUTH_PATH          the auth base URL instead of a region (Postman ``{{authPath}}``)
PINGONE_CUSTOM_DOMAIN      a PingOne custom domain (``auth.example.com``): no environment id in URLs
PINGONE_ISSUER             any OIDC issuer URL; endpoints come from its discovery document
PINGONE_ENV_ID             the environment ID (a UUID)
PINGONE_CLIENT_ID          the application's client ID
PINGONE_CLIENT_SECRET      the application's client secret (never printed)
PINGONE_REDIRECT_URI       a redirect URI registered on the application
PINGONE_SCOPE              scopes to request (default ``openid profile email``)
PINGONE_USERNAME           a test user for headless sign-on
PINGONE_PASSWORD           that user's password (never printed)
PINGONE_AUTH_METHOD        client_secret_jwt (default), client_secret_basic, client_secret_post,
                           private_key_jwt, none
=========================  ==================================================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from html import escape
from pathlib import Path
from typing import Any

from .endpoints import Endpoints, is_loopback_url, validate_env_id
from .errors import ConfigurationError
from .secret import Secret

__all__ = ["AUTH_METHODS", "ENV_VARS", "Settings"]

AUTH_METHODS = ("client_secret_jwt", "client_secret_basic", "client_secret_post", "private_key_jwt", "none")

ENV_VARS: dict[str, str] = {
    "region": "PINGONE_REGION",
    "auth_path": "PINGONE_AUTH_PATH",
    "custom_domain": "PINGONE_CUSTOM_DOMAIN",
    "issuer": "PINGONE_ISSUER",
    "env_id": "PINGONE_ENV_ID",
    "client_id": "PINGONE_CLIENT_ID",
    "client_secret": "PINGONE_CLIENT_SECRET",
    "redirect_uri": "PINGONE_REDIRECT_URI",
    "scope": "PINGONE_SCOPE",
    "username": "PINGONE_USERNAME",
    "password": "PINGONE_PASSWORD",
    "auth_method": "PINGONE_AUTH_METHOD",
}
_TARGET_VARS = ("PINGONE_ENV_ID", "PINGONE_AUTH_PATH", "PINGONE_ISSUER", "PINGONE_CUSTOM_DOMAIN")
DEFAULT_SCOPE = "openid profile email"


@dataclass(frozen=True)
class Settings:
    """Where and as whom to run the flow. Secrets are :class:`~pinghelpers.Secret`; the repr masks them.

    >>> s = Settings(env_id="3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c", region="EU", client_id="my-app",
    ...              client_secret="s" * 64, redirect_uri="https://app.example.com/callback")
    >>> s.endpoints().token_endpoint
    'https://auth.pingone.eu/3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c/as/token'
    """

    env_id: str | None = None
    region: str | None = None
    auth_path: str | None = None
    custom_domain: str | None = None
    issuer: str | None = None
    client_id: str | None = None
    client_secret: Secret | None = None
    redirect_uri: str | None = None
    scope: str = DEFAULT_SCOPE
    username: str | None = None
    password: Secret | None = None
    auth_method: str = "client_secret_jwt"
    api_path: str | None = None
    source: str = "arguments"

    def __post_init__(self) -> None:
        for name in ("client_secret", "password"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Secret):
                object.__setattr__(self, name, Secret(str(value)))
        if self.env_id:
            object.__setattr__(self, "env_id", validate_env_id(self.env_id))
        method = (self.auth_method or "client_secret_jwt").strip().lower()
        if method not in AUTH_METHODS:
            raise ConfigurationError(
                f"unknown client authentication method {self.auth_method!r}; choose one of {', '.join(AUTH_METHODS)}",
                setting="PINGONE_AUTH_METHOD",
                fix="use the method your app's tokenEndpointAuthMethod is set to, in lower case",
            )
        object.__setattr__(self, "auth_method", method)
        if self.redirect_uri:
            _check_redirect_uri(self.redirect_uri)

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        dotenv: str | os.PathLike[str] | None = ".env",
        **overrides: Any,
    ) -> Settings | None:
        """Settings from ``PINGONE_*`` variables (and a ``.env`` file), or ``None`` when no target is set.

        Environment variables win over the ``.env`` file; keyword ``overrides`` win over both.
        """
        values: dict[str, str] = {}
        if dotenv is not None and Path(dotenv).is_file():
            from dotenv import dotenv_values

            values.update(
                {k: v for k, v in dotenv_values(dotenv).items() if v is not None and k.startswith("PINGONE_")}
            )
        env = os.environ if environ is None else environ
        values.update({k: v for k, v in env.items() if k.startswith("PINGONE_") and v != ""})
        if not any(values.get(v) for v in _TARGET_VARS) and not any(
            overrides.get(k) for k in ("env_id", "auth_path", "issuer", "custom_domain")
        ):
            return None
        kwargs: dict[str, Any] = {
            attr: values[var] for attr, var in ENV_VARS.items() if values.get(var) not in (None, "")
        }
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        kwargs.setdefault("source", "environment" if environ is None else "mapping")
        return cls(**kwargs)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validation runs again)."""
        return replace(self, **changes)

    # -- derived -----------------------------------------------------------------------------------
    @property
    def is_local_sandbox(self) -> bool:
        """True when the target is on this machine (the local sandbox, or another loopback server)."""
        url = self.issuer or self.auth_path or ""
        return bool(url) and is_loopback_url(url)

    def endpoints(self, *, session: Any = None) -> Endpoints:
        """The :class:`Endpoints` these settings point at (discovery is fetched for ``issuer``)."""
        if self.issuer:
            return Endpoints.from_discovery(self.issuer, session=session)
        if self.custom_domain:
            return Endpoints.from_custom_domain(self.custom_domain, env_id=self.env_id, region=self.region or "NA")
        if not self.env_id:
            raise ConfigurationError(
                "no environment ID: set PINGONE_ENV_ID (or PINGONE_ISSUER for a non-PingOne provider)",
                setting="PINGONE_ENV_ID",
                fix="copy the Environment ID from the PingOne admin console",
            )
        if self.auth_path:
            return Endpoints.from_auth_path(self.auth_path, self.env_id, api_path=self.api_path)
        return Endpoints.from_region(self.env_id, self.region or "NA")

    def require(self, *names: str) -> None:
        """Raise a :class:`ConfigurationError` naming every setting in ``names`` that is missing."""
        missing = [n for n in names if not getattr(self, n)]
        if missing:
            shown = ", ".join(ENV_VARS.get(n, n) for n in missing)
            raise ConfigurationError(
                f"missing setting(s): {shown}",
                setting=ENV_VARS.get(missing[0], missing[0]),
                fix="set them as environment variables, in a .env file, or in the notebook's form",
            )

    # -- display -----------------------------------------------------------------------------------
    def as_dict(self, *, reveal: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Secret):
                value = value.reveal() if reveal else str(value)
            out[f.name] = value
        return out

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items() if v not in (None, ""))
        return f"Settings({shown})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{escape(ENV_VARS.get(k, k))}</code></td><td>{escape(str(v))}</td></tr>"
            for k, v in self.as_dict().items()
            if v not in (None, "")
        )
        return f"<table>{rows}</table>"


def _check_redirect_uri(uri: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    if not parts.scheme or not (parts.netloc or parts.scheme not in ("http", "https")):
        raise ConfigurationError(
            f"redirect URI {uri!r} is not an absolute URI",
            setting="PINGONE_REDIRECT_URI",
            rule="RFC 6749 §3.1.2: the redirection endpoint URI must be absolute",
            fix="use the exact URI registered on the application, e.g. https://app.example.com/callback",
        )
    if parts.fragment:
        raise ConfigurationError(
            f"redirect URI {uri!r} has a fragment",
            setting="PINGONE_REDIRECT_URI",
            rule="RFC 6749 §3.1.2: the redirection endpoint URI must not include a fragment",
            fix="remove the #… part",
        )
