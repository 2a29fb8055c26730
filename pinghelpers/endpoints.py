"""Every PingOne URL, built in one place.

PingOne's auth server lives at ``https://auth.pingone.<tld>/{envID}/as/...`` (the issuer is
``.../{envID}/as``); the management API at ``https://api.pingone.<tld>/v1``; the hosted sign-on page at
``https://apps.pingone.<tld>/{envID}/signon/``. With a custom domain the environment id disappears from
auth URLs (``https://<domain>/as/token``). Any other OIDC provider is reached through its discovery document.

No other module string-builds a PingOne URL: they ask an :class:`Endpoints`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigurationError, InvalidResponse
from .rules import accepted_audiences

__all__ = [
    "REGIONS",
    "Endpoints",
    "check_auth_path",
    "check_base_url",
    "check_custom_domain",
    "clear_discovery_cache",
    "is_loopback_url",
    "normalize_region",
    "split_pingone_issuer",
    "validate_env_id",
]

# Region code → top-level domain. Source: PingOne "IP address and domain reference", Ping's Go SDK
# (TopLevelDomainNA/CA/EU/AU/SG/APAC) and the Postman template's {{tld}}.
REGIONS: dict[str, str] = {
    "NA": "com",
    "CA": "ca",
    "EU": "eu",
    "AU": "com.au",
    "SG": "sg",
    "AP": "asia",
}

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
# PingOne's own auth hosts: auth.pingone.<tld> for the six regions (longest TLD first: com.au before com).
_PINGONE_AUTH_HOST = re.compile(
    r"^auth\.pingone\.(" + "|".join(re.escape(t) for t in sorted(REGIONS.values(), key=len, reverse=True)) + r")$"
)


def _pingone_region_of(url: str) -> str | None:
    """The region code when ``url`` is on one of PingOne's regional auth hosts (``auth.pingone.eu`` → ``EU``)."""
    m = _PINGONE_AUTH_HOST.match((urlsplit(url).hostname or "").lower())
    return normalize_region(m.group(1)) if m else None


def split_pingone_issuer(issuer: str) -> tuple[str, str] | None:
    """``(authPath, envID)`` of a PingOne-shaped issuer ``{authPath}/{envID}/as``, else ``None``."""
    m = re.match(r"^(https?://[^/]+)/([0-9a-fA-F-]{36})/as$", issuer)
    return (m.group(1), m.group(2)) if m and _UUID.match(m.group(2)) else None


def _regional_parts(region: str) -> dict[str, str]:
    """The management API and hosted sign-on bases of a region (the Postman template's ``{{apiPath}}``)."""
    tld = REGIONS[region]
    return {"api_path": f"https://api.pingone.{tld}/v1", "signon_base": f"https://apps.pingone.{tld}", "region": region}


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs whose host is on this machine (127.0.0.0/8, ::1, localhost)."""
    host = (urlsplit(url).hostname or "").lower()
    return host in _LOOPBACK_HOSTS or host.startswith("127.")


# The endpoints a client sends a secret, a code, an assertion or a token to — or takes keys from.
_DISCOVERED_URLS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "userinfo_endpoint",
    "introspection_endpoint",
    "revocation_endpoint",
    "end_session_endpoint",
    "pushed_authorization_request_endpoint",
)


def _check_discovered_urls(doc: dict[str, Any], source: str) -> None:
    """Refuse a discovery document that sends any endpoint over plain HTTP to another machine (issue 16 #8).

    RFC 8414 §2 / OpenID Connect Discovery §3: the endpoint URLs MUST use https. Only loopback (the local
    sandbox, a test server) may use http — the same rule as for the URLs in the settings.
    """
    for key in _DISCOVERED_URLS:
        value = doc.get(key)
        if value is None:
            continue
        url = str(value)
        scheme = urlsplit(url).scheme.lower()
        if scheme == "https" or (scheme == "http" and is_loopback_url(url)):
            continue
        raise InvalidResponse(
            f"{source} gives {key} = {url!r}: not https, and not this machine — a secret, code or token sent "
            "there could be read or changed on the way",
            url=source,
            fix="use the provider's https issuer URL (PINGONE_ISSUER=https://…); if this is your own test server, "
            "run it on 127.0.0.1 or give it TLS",
        )


def validate_env_id(env_id: str, *, setting: str = "PINGONE_ENV_ID") -> str:
    """Return ``env_id`` stripped, or raise :class:`ConfigurationError` if it is not a UUID.

    PingOne environment ids are UUIDs (Admin console → Settings → Environment Properties).
    """
    value = (env_id or "").strip()
    if not _UUID.match(value):
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise ConfigurationError(
            f"{setting} must be a PingOne environment ID (a UUID like 3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c), "
            f"got {shown!r}",
            setting=setting,
            rule="environment IDs are UUIDs",
            fix="copy the Environment ID from the PingOne admin console (Settings → Environment Properties)",
        )
    return value


def normalize_region(region: str, *, setting: str = "PINGONE_REGION") -> str:
    """The region code (``NA``, ``CA``, ``EU``, ``AU``, ``SG``, ``AP``) for a code or a TLD (``eu``, ``com.au``).

    The Postman template stores the TLD (``{{tld}}``), people type the code; both are accepted.

    >>> normalize_region("com.au")
    'AU'
    """
    code = (region or "").strip().upper()
    by_tld = {tld: c for c, tld in REGIONS.items()}
    if code not in REGIONS and code.lower().lstrip(".") in by_tld:
        code = by_tld[code.lower().lstrip(".")]
    if code not in REGIONS:
        raise ConfigurationError(
            f"unknown PingOne region {region!r}; known: " + ", ".join(f"{c} (.{t})" for c, t in REGIONS.items()),
            setting=setting,
            fix="set PINGONE_REGION to the region of your environment, or PINGONE_AUTH_PATH to its auth URL",
        )
    return code


def check_base_url(url: str, *, setting: str) -> str:
    """``url`` without a trailing slash, or a :class:`ConfigurationError`: not absolute, has a query or
    fragment, or plain ``http://`` to a host other than this machine (a client assertion or secret sent
    over plain HTTP can be captured and replayed)."""
    return _check_base_url(url, setting=setting)


def _check_base_url(url: str, *, setting: str) -> str:
    value = (url or "").strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigurationError(
            f"{setting} must be an absolute URL such as https://auth.pingone.com, got {value!r}",
            setting=setting,
            fix="include the scheme (https://) and the host",
        )
    if parts.scheme == "http" and not is_loopback_url(value):
        raise ConfigurationError(
            f"{setting} uses plain http:// to a non-loopback host ({parts.hostname}); PingOne only serves https "
            "and a client assertion sent over http can be captured and replayed",
            setting=setting,
            rule="TLS required for non-loopback hosts (RFC 6749 §3.2)",
            fix="use https://",
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"{setting} must not carry a query or fragment: {value!r}", setting=setting, fix="remove ?… / #…"
        )
    return value


def check_auth_path(url: str) -> str:
    """:func:`check_base_url` for ``PINGONE_AUTH_PATH`` (the Postman ``{{authPath}}``), plus one PingOne rule.

    PingOne's auth host takes ``/{envID}/as/...`` straight after the host: an auth path with a path of its
    own (``https://auth.pingone.com/v1``, a typo on some getting-started pages, or a pasted issuer
    ``…/{envID}/as``) would build ``…/v1/{envID}/as/token``, which PingOne answers with 404. Other hosts (the
    local sandbox, a reverse proxy) may have a path.
    """
    base = _check_base_url(url, setting="PINGONE_AUTH_PATH")
    path = urlsplit(base).path
    if path and _pingone_region_of(base) is not None:
        raise ConfigurationError(
            f"PINGONE_AUTH_PATH must be PingOne's auth host alone (the Postman {{{{authPath}}}}, e.g. "
            f"https://auth.pingone.com), got {base!r} with the path {path!r}",
            setting="PINGONE_AUTH_PATH",
            rule="PingOne auth URLs are https://auth.pingone.<tld>/{envID}/as/…; authPath has no /v1 (that is apiPath)",
            fix=f"set PINGONE_AUTH_PATH={base[: len(base) - len(path)]} (and the environment ID in PINGONE_ENV_ID), "
            "or PINGONE_ISSUER to the full …/{envID}/as issuer",
        )
    return base


def check_custom_domain(domain: str) -> str:
    """``https://<domain>`` for a PingOne custom domain (``auth.example.com`` or ``https://auth.example.com``),
    or a :class:`ConfigurationError`. The domain is a host only: PingOne's URLs on it are ``/as/...``, so a
    pasted issuer (``https://auth.example.com/as``) would build ``/as/as/token``."""
    raw = (domain or "").strip()
    base = _check_base_url(raw if "://" in raw else f"https://{raw}", setting="PINGONE_CUSTOM_DOMAIN")
    path = urlsplit(base).path
    if path:
        raise ConfigurationError(
            f"PINGONE_CUSTOM_DOMAIN must be a domain name only, got {domain.strip()!r} (with the path {path!r})",
            setting="PINGONE_CUSTOM_DOMAIN",
            rule="with a custom domain PingOne's endpoints are https://<domain>/as/… (issuer https://<domain>/as)",
            fix=f"set PINGONE_CUSTOM_DOMAIN={urlsplit(base).netloc}, or PINGONE_ISSUER={base} to use discovery",
        )
    return base


@dataclass(frozen=True)
class Endpoints:
    """The URLs of one PingOne environment (or any OIDC issuer). Frozen; build with a ``from_*`` method.

    >>> ep = Endpoints.from_region("3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c", "EU")
    >>> ep.token_endpoint
    'https://auth.pingone.eu/3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c/as/token'
    """

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None = None
    introspection_endpoint: str | None = None
    revocation_endpoint: str | None = None
    end_session_endpoint: str | None = None
    pushed_authorization_request_endpoint: str | None = None
    # PingOne-only parts (None for a generic OIDC issuer)
    env_id: str | None = None
    auth_path: str | None = None
    flows_base: str | None = None
    api_path: str | None = None
    signon_base: str | None = None
    region: str | None = None
    discovery: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    # -- constructors -----------------------------------------------------------------------------
    @classmethod
    def from_auth_path(
        cls,
        auth_path: str,
        env_id: str,
        *,
        api_path: str | None = None,
        signon_base: str | None = None,
        region: str | None = None,
    ) -> Endpoints:
        """Endpoints for ``{auth_path}/{env_id}/as/...`` — the Postman template's ``{{authPath}}``.

        Used for PingOne regions and for the local sandbox (whose auth path is ``http://127.0.0.1:PORT``).
        """
        base = check_auth_path(auth_path)
        env = validate_env_id(env_id)
        # On PingOne's own hosts the region is in the host name (and wins over a region label), so the
        # management API and sign-on page follow from it: PINGONE_AUTH_PATH=https://auth.pingone.eu alone
        # must not lose the management API.
        pingone_region = _pingone_region_of(base)
        derived = _regional_parts(pingone_region) if pingone_region is not None else {}
        return cls._pingone(
            f"{base}/{env}/as",
            env_id=env,
            auth_path=base,
            flows_base=f"{base}/{env}/flows",
            api_path=(api_path.rstrip("/") if api_path else derived.get("api_path")),
            signon_base=(signon_base.rstrip("/") if signon_base else derived.get("signon_base")),
            region=derived.get("region") or region,
        )

    @classmethod
    def _pingone(cls, issuer: str, **pingone: Any) -> Endpoints:
        """PingOne's fixed layout under an issuer ``…/as``: the Go SDK's path constants (/as/authorize, …)."""
        return cls(
            issuer=issuer,
            authorization_endpoint=f"{issuer}/authorize",
            token_endpoint=f"{issuer}/token",
            jwks_uri=f"{issuer}/jwks",
            userinfo_endpoint=f"{issuer}/userinfo",
            introspection_endpoint=f"{issuer}/introspect",
            revocation_endpoint=f"{issuer}/revoke",
            end_session_endpoint=f"{issuer}/signoff",
            pushed_authorization_request_endpoint=f"{issuer}/par",
            **pingone,
        )

    @classmethod
    def from_region(cls, env_id: str, region: str = "NA") -> Endpoints:
        """Endpoints for a PingOne region: ``NA`` (.com), ``CA``, ``EU``, ``AU`` (.com.au), ``SG``, ``AP`` (.asia)."""
        # Accept the TLD too ("eu", "com.au") since that is what the Postman template stores.
        # The management API, sign-on page and region follow from PingOne's regional auth host.
        return cls.from_auth_path(f"https://auth.pingone.{REGIONS[normalize_region(region)]}", env_id)

    @classmethod
    def from_custom_domain(cls, domain: str, *, env_id: str | None = None, region: str = "NA") -> Endpoints:
        """Endpoints for a PingOne custom domain: ``https://<domain>/as/...`` (no environment id in the path).

        The management API stays on ``api.pingone.<tld>`` (custom domains are auth-only), so give
        ``env_id`` and ``region`` if you will call it.
        """
        base = check_custom_domain(domain)
        env = validate_env_id(env_id) if env_id else None
        region = normalize_region(region)
        return cls._pingone(
            f"{base}/as",
            env_id=env,
            auth_path=base,
            flows_base=f"{base}/flows",
            api_path=_regional_parts(region)["api_path"] if env else None,
            region=region.upper(),
        )

    @classmethod
    def from_discovery_document(cls, doc: dict[str, Any], *, source: str = "discovery") -> Endpoints:
        """Endpoints from an already-fetched ``openid-configuration`` document."""
        missing = [k for k in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri") if not doc.get(k)]
        if missing:
            raise InvalidResponse(
                f"{source} is not an OpenID Provider configuration: missing {', '.join(missing)}",
                url=source,
                fix="check the issuer URL; it should serve /.well-known/openid-configuration",
            )
        issuer = str(doc["issuer"]).rstrip("/")
        _check_discovered_urls(doc, source)
        env_id = None
        auth_path = None
        flows_base = None
        regional: dict[str, str] = {}
        parts = split_pingone_issuer(issuer)
        if parts is not None:
            auth_path, env_id = parts
            flows_base = f"{auth_path}/{env_id}/flows"
            # A PingOne regional issuer (https://auth.pingone.<tld>/{envID}/as) names its region: the
            # management API is api.pingone.<tld>, as with PINGONE_REGION.
            pingone_region = _pingone_region_of(auth_path)
            if pingone_region is not None:
                regional = _regional_parts(pingone_region)
        elif issuer.endswith("/as"):  # PingOne custom domain
            auth_path = issuer[: -len("/as")]
            flows_base = f"{auth_path}/flows"
        return cls(
            issuer=issuer,
            authorization_endpoint=doc["authorization_endpoint"],
            token_endpoint=doc["token_endpoint"],
            jwks_uri=doc["jwks_uri"],
            userinfo_endpoint=doc.get("userinfo_endpoint"),
            introspection_endpoint=doc.get("introspection_endpoint"),
            revocation_endpoint=doc.get("revocation_endpoint"),
            end_session_endpoint=doc.get("end_session_endpoint"),
            pushed_authorization_request_endpoint=doc.get("pushed_authorization_request_endpoint"),
            env_id=env_id,
            auth_path=auth_path,
            flows_base=flows_base,
            discovery=dict(doc),
            **regional,
        )

    @classmethod
    def from_discovery(cls, issuer: str, *, session: Any = None, timeout: float = 10.0) -> Endpoints:
        """Fetch ``{issuer}/.well-known/openid-configuration`` (cached per issuer for the process)."""
        base = _check_base_url(issuer, setting="PINGONE_ISSUER")
        with _DISCOVERY_LOCK:
            cached = _DISCOVERY_CACHE.get(base)
        if cached is not None:
            return cached
        from .http import get_json  # local import keeps `import pinghelpers` light

        url = f"{base}/.well-known/openid-configuration"
        doc = get_json(url, session=session, timeout=timeout)
        if not isinstance(doc, dict):
            raise InvalidResponse(f"{url} did not return a JSON object", url=url, fix="check the issuer URL")
        # OpenID Connect Discovery §4.3: the issuer in the document must be the URL it was fetched for;
        # otherwise a token's iss would never match and an attacker-controlled document could redirect calls.
        if str(doc.get("issuer", "")).rstrip("/") != base:
            raise InvalidResponse(
                f"{url} names a different issuer ({doc.get('issuer')!r}) than the one asked for ({base!r})",
                url=url,
                fix="use exactly the issuer value the provider publishes (scheme, host, path, no trailing slash)",
            )
        endpoints = cls.from_discovery_document(doc, source=url)
        with _DISCOVERY_LOCK:
            _DISCOVERY_CACHE[base] = endpoints
        return endpoints

    # -- derived URLs ------------------------------------------------------------------------------
    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def resume_endpoint(self) -> str:
        return f"{self.issuer}/resume"

    def flow_url(self, flow_id: str) -> str:
        """``{authPath}/{envID}/flows/{flowID}`` — the flows API (not under ``/as``)."""
        if not self.flows_base:
            raise ConfigurationError(
                "this issuer has no PingOne flows API (it is not a PingOne environment)",
                fix='sign on in a browser instead (pinghelpers.browser.browser_sign_on, or signon.sign_on(..., method="browser"))',
            )
        return f"{self.flows_base}/{flow_id}"

    def management_url(self, *parts: str) -> str:
        """``{apiPath}/environments/{envID}/{parts...}`` — the management API."""
        if not self.api_path or not self.env_id:
            raise ConfigurationError(
                "no management API for these endpoints",
                fix="give a region (or api_path) and an environment id",
            )
        tail = "/".join(p.strip("/") for p in parts if p)
        return f"{self.api_path}/environments/{self.env_id}" + (f"/{tail}" if tail else "")

    def accepted_audiences(self, called: str | None = None) -> tuple[str, ...]:
        """The ``aud`` values PingOne accepts in a client assertion sent to ``called``.

        PingOne: the token endpoint, the issuer, or the endpoint actually called, as full URLs. With a custom
        domain "the aud may use either the PingOne domain or the custom domain", so when the environment ID
        and region are known the ``auth.pingone.<tld>/{envID}/as`` forms are accepted too.
        """
        also: list[str] = []
        if self.env_id and self.region in REGIONS and self.auth_path and self.issuer == f"{self.auth_path}/as":
            also.append(f"https://auth.pingone.{REGIONS[self.region]}/{self.env_id}/as")
        if self.token_endpoint != f"{self.issuer}/token":  # a discovered issuer whose token endpoint lives elsewhere
            return (self.token_endpoint, *accepted_audiences(self.issuer, called=called, also_issuers=also))
        return accepted_audiences(self.issuer, called=called, also_issuers=also)

    def with_api_path(self, api_path: str) -> Endpoints:
        return replace(self, api_path=api_path.rstrip("/"))

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "discovery" and v is not None}


_DISCOVERY_CACHE: dict[str, Endpoints] = {}
_DISCOVERY_LOCK = threading.Lock()


def clear_discovery_cache() -> None:
    """Forget every fetched discovery document (after an issuer changed its configuration)."""
    with _DISCOVERY_LOCK:
        _DISCOVERY_CACHE.clear()
