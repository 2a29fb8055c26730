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
PINGONE_ASSERTION_ALG      HS256 (default), HS384 or HS512 — the client assertion's signing algorithm
PINGONE_API_PATH           the management API base (Postman ``{{apiPath}}``, ``https://api.pingone.<tld>/v1``)
PINGONE_ADMIN_ENV_ID       the worker app's environment (Postman ``{{adminEnvID}}``)
PINGONE_ADMIN_CLIENT_ID    the worker app's client ID (Postman ``{{adminAppID}}``)
PINGONE_ADMIN_CLIENT_SECRET  the worker app's secret (Postman ``{{adminAppSecret}}``; never printed)
=========================  ==================================================================================

The ``.env`` file is read from one of two places only (:func:`find_dotenv`): the working directory, or — when the
working directory is inside a ``notebooks/`` folder — the project root that holds that folder, so a notebook
finds the ``.env`` at the repository root. Never from any other parent: a ``.env`` planted in a shared or home
folder above the project is not read. The file used is named in ``Settings.source`` (the workbook's banner, the
CLI's stderr). A file never overrides the environment (issue 16 #1): a variable set in both comes from the
environment; when the environment says where PingOne is (``PINGONE_REGION``, ``PINGONE_AUTH_PATH`` …), the
file's location settings are ignored, and ``Settings.notes`` says so; and an authentication method weaker than
CLIENT_SECRET_JWT (one that sends the secret itself, or none) is refused when only the file asks for it. A Postman environment exported from
PingOne's workflow template (``tld``, ``authPath``, ``envID``, ``appJwtID`` …) is turned into ``Settings`` and
back by :mod:`pinghelpers.postman` (``read_postman_environment`` / ``write_postman_environment``), which owns
that conversion; this module does not know Postman.

Validation happens when a ``Settings`` is built, with an error that names the setting and the fix: an
environment ID that is not a UUID, an unknown region, plain ``http://`` to a host other than this machine,
an empty secret, or a secret shorter than the chosen HMAC needs (RFC 7518 §3.2).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal, overload

from .endpoints import (
    Endpoints,
    check_auth_path,
    check_base_url,
    check_custom_domain,
    is_loopback_url,
    normalize_region,
    validate_env_id,
)
from .errors import ConfigurationError
from .rules import METHOD_CLIENT_SECRET_JWT, MIN_HMAC_KEY_BYTES, RULES, allowed_algorithms, auth_method
from .secret import Secret

__all__ = ["ENV_VARS", "Settings", "find_dotenv"]

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
    "assertion_alg": "PINGONE_ASSERTION_ALG",
    "api_path": "PINGONE_API_PATH",
    "admin_env_id": "PINGONE_ADMIN_ENV_ID",
    "admin_client_id": "PINGONE_ADMIN_CLIENT_ID",
    "admin_client_secret": "PINGONE_ADMIN_CLIENT_SECRET",
}
_SECRET_FIELDS = ("client_secret", "password", "admin_client_secret")
_TRIMMED_FIELDS = ("client_id", "redirect_uri", "scope", "username", "admin_client_id")
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
    assertion_alg: str = "HS256"
    admin_env_id: str | None = None
    admin_client_id: str | None = None
    admin_client_secret: Secret | None = None
    notes: tuple[str, ...] = ()  # what the sources' merge decided (a .env setting ignored, and why)

    def __post_init__(self) -> None:
        for name in _SECRET_FIELDS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, Secret):
                if not isinstance(value, str):
                    raise ConfigurationError(
                        f"{name} must be a string, got {type(value).__name__}",
                        setting=ENV_VARS.get(name, name),
                        fix="pass the secret as text (or a pinghelpers.Secret)",
                    )
                object.__setattr__(self, name, Secret(value))
        # Identifiers are compared byte for byte by PingOne (iss/sub = client ID, redirect_uri exact match):
        # a stray space or the "\r" of a CRLF .env sourced by a shell would fail live as invalid_client or an
        # unregistered redirect_uri. Trim them, as the Postman import does; secrets stay byte for byte.
        for name in _TRIMMED_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str) and value != value.strip():
                object.__setattr__(self, name, value.strip())
        if self.env_id:
            object.__setattr__(self, "env_id", validate_env_id(self.env_id))
        if self.admin_env_id:
            object.__setattr__(self, "admin_env_id", validate_env_id(self.admin_env_id, setting="PINGONE_ADMIN_ENV_ID"))
        if self.region:
            object.__setattr__(self, "region", normalize_region(self.region))
        # Every base URL: absolute, no query/fragment, and https unless it is this machine.
        for name in ("auth_path", "issuer", "api_path"):
            value = getattr(self, name)
            if value:
                checked = (
                    check_auth_path(value) if name == "auth_path" else check_base_url(value, setting=ENV_VARS[name])
                )
                object.__setattr__(self, name, checked)
        if self.custom_domain:
            check_custom_domain(self.custom_domain)
        for name in _SECRET_FIELDS:
            value = getattr(self, name)
            if value is not None and not value.reveal().strip():
                raise ConfigurationError(
                    f"{ENV_VARS[name]} is set but empty",
                    setting=ENV_VARS[name],
                    fix="paste the value from the PingOne admin console, or unset the variable",
                )
        alg = (self.assertion_alg or "HS256").strip().upper()
        if alg not in allowed_algorithms(METHOD_CLIENT_SECRET_JWT):
            raise ConfigurationError(
                f"unknown client assertion algorithm {self.assertion_alg!r}; CLIENT_SECRET_JWT uses HS256, HS384 "
                "or HS512",
                setting="PINGONE_ASSERTION_ALG",
                rule=RULES["alg-allowed"].text,
                fix="use HS256 (the default)",
            )
        object.__setattr__(self, "assertion_alg", alg)
        # rules.auth_method knows every spelling (CLIENT_SECRET_JWT, client_secret_jwt); keep the lower-case one.
        method = auth_method(self.auth_method or "client_secret_jwt")
        object.__setattr__(self, "auth_method", method.key)
        if self.client_secret is not None and method.name == METHOD_CLIENT_SECRET_JWT:
            needed = MIN_HMAC_KEY_BYTES[alg]
            have = len(self.client_secret.reveal().encode("utf-8"))
            if have < needed:
                raise ConfigurationError(
                    f"the client secret is {have} bytes, too short for {alg} (needs at least {needed} bytes); "
                    "PingOne's secrets are 64 characters or more",
                    setting="PINGONE_CLIENT_SECRET",
                    rule="RFC 7518 §3.2: an HMAC key must be at least as long as the hash output",
                    fix="copy the whole secret from the application's Configuration tab"
                    + ("" if alg == "HS256" else ", or choose a shorter hash (PINGONE_ASSERTION_ALG=HS256)"),
                )
        if self.redirect_uri:
            _check_redirect_uri(self.redirect_uri)

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    @overload
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        dotenv: str | os.PathLike[str] | None = ".env",
        required: Literal[True],
        **overrides: Any,
    ) -> Settings: ...

    @classmethod
    @overload
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        dotenv: str | os.PathLike[str] | None = ".env",
        required: bool = False,
        **overrides: Any,
    ) -> Settings | None: ...

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        dotenv: str | os.PathLike[str] | None = ".env",
        required: bool = False,
        **overrides: Any,
    ) -> Settings | None:
        """Settings from ``PINGONE_*`` variables (and a ``.env`` file), or ``None`` when no target is set.

        ``required=True`` (an app's configuration) never returns ``None``: it raises
        :class:`ConfigurationError` naming every missing setting — the environment (``PINGONE_ENV_ID`` or
        ``PINGONE_AUTH_PATH``/``PINGONE_ISSUER``/``PINGONE_CUSTOM_DOMAIN``), ``PINGONE_CLIENT_ID``,
        ``PINGONE_CLIENT_SECRET`` when the auth method needs one, ``PINGONE_REDIRECT_URI``.

        Environment variables win over the ``.env`` file; keyword ``overrides`` win over both. A relative
        ``dotenv`` name (the default ``".env"``) is looked for in the current directory and its parents;
        ``dotenv=None`` reads no file.

        >>> settings = Settings.from_env()          # reads PINGONE_* and ./.env (or ../.env, ...)
        >>> settings is None                          # no PINGONE_ENV_ID/AUTH_PATH/ISSUER/CUSTOM_DOMAIN set
        True
        """
        found = find_dotenv(dotenv) if dotenv is not None else None
        from_file: dict[str, str] = {}
        if found is not None:
            from dotenv import dotenv_values

            from_file = {k: v for k, v in dotenv_values(found).items() if v and k.startswith("PINGONE_")}
        env = os.environ if environ is None else environ
        from_env = {k: v for k, v in env.items() if k.startswith("PINGONE_") and v != ""}
        values, notes = _merge_dotenv(from_file, from_env, found, overrides)
        if not any(values.get(v) for v in _TARGET_VARS) and not any(
            overrides.get(k) for k in ("env_id", "auth_path", "issuer", "custom_domain")
        ):
            if required:
                _raise_missing(["PINGONE_ENV_ID (or PINGONE_AUTH_PATH, PINGONE_ISSUER, PINGONE_CUSTOM_DOMAIN)"], values)
            return None
        kwargs: dict[str, Any] = {
            attr: values[var] for attr, var in ENV_VARS.items() if values.get(var) not in (None, "")
        }
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        if "source" not in kwargs:
            origin = "environment" if environ is None else "mapping"
            kwargs["source"] = f"{origin} + {found}" if found is not None else origin
        kwargs.setdefault("notes", tuple(notes))
        settings = cls(**kwargs)
        if required:
            missing = [ENV_VARS[n] for n in ("client_id", "redirect_uri") if not getattr(settings, n)]
            if auth_method(settings.auth_method).needs_secret and not settings.client_secret:
                missing.append(ENV_VARS["client_secret"])
            if missing:
                _raise_missing(missing, values)
        return settings

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validation runs again)."""
        return replace(self, **changes)

    # -- derived -----------------------------------------------------------------------------------
    @property
    def is_local_sandbox(self) -> bool:
        """True when the target is on this machine (the local sandbox, or another loopback server)."""
        url = self.issuer or self.auth_path or ""
        return bool(url) and is_loopback_url(url)

    def endpoints(self, *, session: Any = None, timeout: float = 10.0) -> Endpoints:
        """The :class:`Endpoints` these settings point at (discovery is fetched for ``issuer``, once per
        process, within ``timeout`` seconds)."""
        # PINGONE_API_PATH, when set, is where the management API is — whatever the auth side is.
        if self.issuer:
            found = Endpoints.from_discovery(self.issuer, session=session, timeout=timeout)
            return found.with_api_path(self.api_path) if self.api_path else found
        if self.custom_domain:
            ep = Endpoints.from_custom_domain(self.custom_domain, env_id=self.env_id, region=self.region or "NA")
            return ep.with_api_path(self.api_path) if self.api_path else ep
        if not self.env_id:
            raise ConfigurationError(
                "no environment ID: set PINGONE_ENV_ID (or PINGONE_ISSUER for a non-PingOne provider)",
                setting="PINGONE_ENV_ID",
                fix="copy the Environment ID from the PingOne admin console",
            )
        if self.auth_path:
            return Endpoints.from_auth_path(self.auth_path, self.env_id, api_path=self.api_path, region=self.region)
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
        """Every field; secrets masked unless ``reveal=True``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "notes" and not value:
                continue  # only when a source was overruled
            if isinstance(value, Secret):
                value = value.reveal() if reveal else str(value)
            out[f.name] = value
        return out

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={v!r}"
            for k, v in self.as_dict().items()
            if v not in (None, "") and not (k == "assertion_alg" and v == "HS256")
        )
        return f"Settings({shown})"

    def _repr_html_(self) -> str:
        from .display.reprs import settings_html

        return settings_html(self.as_dict(), ENV_VARS)


# Location settings: together they say which host gets the secret. One source decides them all.
_LOCATION_VARS = ("PINGONE_REGION", "PINGONE_AUTH_PATH", "PINGONE_CUSTOM_DOMAIN", "PINGONE_ISSUER", "PINGONE_API_PATH")


def _merge_dotenv(
    from_file: dict[str, str], from_env: dict[str, str], found: Path | None, overrides: Mapping[str, Any]
) -> tuple[dict[str, str], list[str]]:
    """The ``.env`` values under the environment's, by the rules of issue 16 #1; and notes on what was dropped."""
    notes: list[str] = []
    file_only = dict(from_file)
    env_location = [v for v in _LOCATION_VARS if v in from_env]
    if env_location:
        # A file's PINGONE_AUTH_PATH must not win over the environment's PINGONE_REGION (endpoints() prefers
        # auth_path): when the environment says where PingOne is, the file's location settings are ignored.
        dropped = [v for v in _LOCATION_VARS if v in file_only and v not in from_env]
        for var in dropped:
            del file_only[var]
        if dropped:
            notes.append(
                f"ignored {', '.join(dropped)} from {found}: the environment sets {', '.join(env_location)}, "
                "and the environment wins"
            )
    method = file_only.get("PINGONE_AUTH_METHOD")
    if method and "PINGONE_AUTH_METHOD" not in from_env and not overrides.get("auth_method"):
        chosen = auth_method(method)
        # "Weaker" (issue 16 #1): a method that sends the secret itself (client_secret_basic/post) or no
        # credential (none) is weaker than one that proves it with a signed assertion (client_secret_jwt,
        # private_key_jwt) — rules.AUTH_METHODS gives the JWT methods their algorithms.
        if not chosen.algorithms:
            raise ConfigurationError(
                f"PINGONE_AUTH_METHOD={chosen.key} comes only from {found}; a method weaker than client_secret_jwt "
                "(one that sends the client secret itself, or none) is never chosen from a file alone — a planted "
                ".env could otherwise send your secret in clear to another host",
                setting="PINGONE_AUTH_METHOD",
                fix=f"if your app really uses {chosen.key}, set PINGONE_AUTH_METHOD={chosen.key} in the environment "
                "too (or pass auth_method=); otherwise remove the line from the .env",
            )
    return {**file_only, **from_env}, notes


def find_dotenv(name: str | os.PathLike[str] = ".env", *, start: str | os.PathLike[str] | None = None) -> Path | None:
    """The ``.env`` file to read: ``name`` itself if it has a folder, else in one of two places, in this order:

    1. ``start`` (default: the current directory);
    2. the project root, when ``start`` is inside a ``notebooks/`` folder: the folder holding the nearest
       ``notebooks`` (notebooks run with their own folder as working directory; the ``.env`` sits at the root).

    Never any other parent (issue 16 #1): a ``.env`` in a shared folder above the project is not read.
    ``None`` when neither has one.
    """
    candidate = Path(name)
    if candidate.is_absolute() or candidate.parent != Path("."):
        return candidate if candidate.is_file() else None
    here = Path(start) if start is not None else Path.cwd()
    places = [here]
    for folder in (here, *here.parents):
        if folder.name == "notebooks":
            places.append(folder.parent)
            break
    for folder in places:
        path = folder / candidate
        if path.is_file():
            return path
    return None


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


def _raise_missing(missing: list[str], found: Mapping[str, str]) -> None:
    seen = ", ".join(sorted(found)) or "none"
    raise ConfigurationError(
        f"missing setting(s): {'; '.join(missing)} (PINGONE_* variables found: {seen})",
        setting=missing[0].split(" ", 1)[0],
        fix="set them in the environment or a .env file — an app needs the environment, the client ID and "
        "secret, and the redirect URI registered on the application",
    )
