"""The notebooks' setup cell: pick the target (a PingOne environment, or the local sandbox) and say so.

target = connect()      # PINGONE_* settings present → live PingOne; none → the local sandbox
target                  # a banner naming the target, shown in the notebook
"""

from __future__ import annotations

import base64
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, unquote, urljoin

import requests

from .client import PingOneClient
from .errors import ConfigurationError
from .http import new_session
from .jose import decode_compact
from .messages import AuthorizationRequest, AuthorizationResult
from .settings import Settings
from .signon import sign_on
from .timefmt import now as _clock_now

__all__ = [
    "LOOPBACK_CALLBACK",
    "NOTEBOOKS",
    "REPLAY_SECRET",
    "Target",
    "connect",
    "log_exposure",
    "record_to",
    "scripted_browser",
]

#: The loopback redirect URI the browser sign-on listens on (registered on the local sandbox's app).
LOOPBACK_CALLBACK = "http://127.0.0.1:8765/callback"

#: The workbook's lessons: (file, title, what it teaches). The index notebook shows this table.
NOTEBOOKS: tuple[tuple[str, str, str], ...] = (
    ("00-index", "The workbook", "the whole flow in one picture; live PingOne or the local sandbox"),
    (
        "01-set-up-your-environment",
        "Set up your environment",
        "region, environment ID or custom domain; the discovery document; Postman import",
    ),
    (
        "02-create-the-application",
        "Create the application (admin, optional)",
        "worker token; an OIDC web app with CLIENT_SECRET_JWT; its secret; a population, user and password",
    ),
    (
        "03-the-authorization-request",
        "The authorization request",
        "every parameter; state, nonce and PKCE; the request as curl; the 302 and the flow object",
    ),
    (
        "04-sign-on-and-get-the-code",
        "Sign on and get the code",
        "flows API usernamePassword.check → resume → code; browser sign-on; a pasted redirect URL",
    ),
    (
        "05-exchange-code-for-token",
        "Exchange the code for tokens",
        "the client assertion part by part; the HMAC by hand; the pre-send checklist; the token request",
    ),
    (
        "06-inspect-and-validate-tokens",
        "Inspect and validate tokens",
        "JWKS signatures; ID-token checks (iss, aud, exp, nonce, at_hash); userinfo, introspect, refresh, revoke",
    ),
    (
        "07-troubleshooting-lab",
        "Troubleshooting lab",
        "each broken assertion and code misuse: PingOne's real answer, the explanation and the fix",
    ),
    (
        "08-compare-client-authentication-methods",
        "Compare client authentication methods",
        "basic, post, client_secret_jwt, private_key_jwt: the wire, the logs, the replay window, the setup",
    ),
)


@dataclass
class Target:
    """Where the cells send their requests: ``settings``, plus the running ``sandbox`` when local."""

    settings: Settings
    sandbox: Any = None  # pinghelpers.sandbox.Sandbox when local
    replay: str | None = None  # the cassette answering every request (PINGHELPERS_REPLAY), no network

    @property
    def is_local_sandbox(self) -> bool:
        return self.sandbox is not None

    @property
    def label(self) -> str:
        if self.is_local_sandbox:
            return "local sandbox (an offline stand-in for PingOne on this machine)"
        if self.replay:
            return f"replay of {self.replay} (recorded answers, no network; clock frozen at the recording's time)"
        ep = self.settings.endpoints()
        return f"PingOne environment {ep.env_id or ''} at {ep.issuer}".replace("  ", " ")

    def endpoints(self) -> Any:
        return self.settings.endpoints()

    def client(self, **kwargs: Any) -> PingOneClient:
        return PingOneClient(self.settings, **kwargs)

    def admin_settings(self) -> Settings:
        """Settings for the worker application that calls the management API (notebooks 2 and 8).

        Live, they come from ``PINGONE_ADMIN_ENV_ID`` / ``PINGONE_ADMIN_CLIENT_ID`` / ``PINGONE_ADMIN_CLIENT_SECRET``
        (a worker app with the Environment Admin and Identity Data Admin roles); the local sandbox has one seeded.
        PingOne's worker token request uses HTTP Basic (``CLIENT_SECRET_BASIC``).
        """
        s = self.settings
        if not (s.admin_client_id and s.admin_client_secret):
            raise ConfigurationError(
                "no worker application for the management API",
                setting="PINGONE_ADMIN_CLIENT_ID",
                fix="set PINGONE_ADMIN_ENV_ID, PINGONE_ADMIN_CLIENT_ID and PINGONE_ADMIN_CLIENT_SECRET (a worker app "
                "with admin roles), or create the app in the admin console and skip this notebook",
            )
        where: dict[str, Any] = {}
        if s.admin_env_id and s.admin_env_id != s.env_id and (s.custom_domain or s.issuer):
            # A custom domain (and an issuer URL) belongs to the target environment: the worker app's own
            # environment is reached at auth.pingone.<tld>/{adminEnvID}/as/token (PingOne: POST
            # {{authPath}}/{{adminEnvID}}/as/token), never through the target's domain or issuer.
            ep = self.settings.endpoints()
            if ep.region:  # a PingOne region (custom domains default to NA, like their management API)
                where = {"custom_domain": None, "issuer": None, "auth_path": None, "region": ep.region}
            elif ep.auth_path and ep.env_id:  # a PingOne-shaped issuer elsewhere (the local sandbox)
                where = {"custom_domain": None, "issuer": None, "auth_path": ep.auth_path}
        return s.replace(
            env_id=s.admin_env_id or s.env_id,
            client_id=s.admin_client_id,
            client_secret=s.admin_client_secret,
            auth_method="client_secret_basic",
            username=None,
            password=None,
            **where,
        )

    def management(self) -> tuple[requests.Session, Any]:
        """A ``requests.Session`` carrying a fresh worker token (``Authorization: Bearer …``), and the target's
        :class:`~pinghelpers.Endpoints` (``management_url(...)`` builds ``{apiPath}/environments/{envID}/…``)."""
        with PingOneClient(self.admin_settings()) as worker:
            token = worker.client_credentials().access_token
        api = new_session()
        api.headers["Authorization"] = f"Bearer {token}"
        return api, self.settings.endpoints()

    def fresh_code(self, client: PingOneClient) -> tuple[str, str | None]:
        """A new authorization code and its PKCE ``code_verifier`` — for lessons that exchange many codes."""
        request = client.authorization_request()
        return self.sign_on(client, request).code, request.code_verifier

    def loopback_redirect_uri(self) -> str:
        """A loopback redirect URI for a browser sign-on (RFC 8252 §7.3).

        Live: :data:`LOOPBACK_CALLBACK`, which you register on the application yourself. On the local sandbox: a
        free port on 127.0.0.1, registered on the sandbox's app in-process, so a busy port 8765 never gets in the
        way of a lesson.
        """
        if not self.is_local_sandbox:
            return LOOPBACK_CALLBACK
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        uri = f"http://127.0.0.1:{port}/callback"
        self.sandbox.register_redirect_uri(uri, client_id=self.settings.client_id, env_id=self.settings.env_id)
        return uri

    def sign_on(self, client: PingOneClient, request: AuthorizationRequest | None = None) -> AuthorizationResult:
        """A fresh authorization code for notebooks that start after the sign-on step.

        :func:`pinghelpers.signon.sign_on` chooses, as the CLI does: headless (flows API) when a username and
        password are known — always on the local sandbox, live when ``PINGONE_USERNAME``/``PINGONE_PASSWORD``
        are set; otherwise a real browser sign-on on a loopback redirect URI.
        """
        return sign_on(client, request or client.authorization_request())

    def __repr__(self) -> str:
        return f"Target({self.label})"

    def _repr_html_(self) -> str:
        from .display.reprs import target_html

        return target_html(self)


_PUBLIC_FIELDS = (
    "env_id",
    "region",
    "auth_path",
    "custom_domain",
    "issuer",
    "client_id",
    "redirect_uri",
    "scope",
    "username",
    "auth_method",
    "api_path",
    "assertion_alg",
    "admin_env_id",
    "admin_client_id",
)
#: What a replayed target signs with: the recorded secret is masked, so the assertion is signed with this
#: stand-in (64 characters, enough for HS512). Nothing checks it: the answers come from the cassette.
REPLAY_SECRET = "MASKED-CLIENT-SECRET-replay-stand-in-0123456789abcdefghijklmnopqr"


def record_to(path: str, settings: Settings) -> None:
    """Record every later HTTP exchange to ``path``, masking ``settings``' secrets and writing its public fields."""
    from .http import use_cassette

    secrets = [
        (value.reveal(), kind)
        for value, kind in (
            (settings.client_secret, "client_secret"),
            (settings.admin_client_secret, "client_secret"),
            (settings.password, "password"),
        )
        if value is not None and value.reveal()
    ]
    public = {name: getattr(settings, name) for name in _PUBLIC_FIELDS if getattr(settings, name) is not None}
    use_cassette(record=path, secrets=secrets, settings=public)


def _replay_target(path: str, settings: Settings | None) -> Target:
    from .http import use_cassette

    player = use_cassette(replay=path)
    if settings is None:
        recorded = player.settings
        if not recorded.get("client_id"):
            raise ConfigurationError(
                f"the cassette {path} names no target (it was recorded without connect() or the CLI)",
                setting="PINGHELPERS_REPLAY",
                fix="pass connect(settings=..., replay=...) or re-record with connect(record=...)",
            )
        extra: dict[str, Any] = {"client_secret": REPLAY_SECRET, "source": f"the cassette {path}"}
        if recorded.get("username"):
            extra["password"] = "MASKED-PASSWORD"
        if recorded.get("admin_client_id"):
            extra["admin_client_secret"] = REPLAY_SECRET
        settings = Settings(**recorded, **extra)
    return Target(settings=settings, replay=str(path))


def connect(
    *,
    settings: Settings | None = None,
    dotenv: str | None = ".env",
    record: str | os.PathLike[str] | None = None,
    replay: str | os.PathLike[str] | None = None,
) -> Target:
    """The workbook's target: ``settings`` if given, else ``PINGONE_*`` settings, else the local sandbox.

    ``record`` (or ``PINGHELPERS_RECORD``) writes every HTTP exchange to a masked JSON-lines cassette;
    ``replay`` (or ``PINGHELPERS_REPLAY``) answers every request from one, offline, with the clock frozen at the
    recording's time — the target is then the recorded one (see :mod:`pinghelpers.cassette`).
    """
    replay = replay or os.environ.get("PINGHELPERS_REPLAY") or None
    if replay:
        return _replay_target(str(replay), settings)
    record = record or os.environ.get("PINGHELPERS_RECORD") or None
    target = _choose(settings, dotenv)
    if record:
        record_to(str(record), target.settings)
    return target


def _choose(settings: Settings | None, dotenv: str | None) -> Target:
    # PINGHELPERS_TARGET=sandbox forces the local sandbox (tests and `make notebooks` set it, so committed
    # outputs never come from a live environment even when a developer has PINGONE_* set).
    forced_sandbox = os.environ.get("PINGHELPERS_TARGET", "").lower() == "sandbox"
    chosen = settings or (None if forced_sandbox else Settings.from_env(dotenv=dotenv))
    if chosen is not None:
        return Target(settings=chosen)
    from .local import sandbox_settings
    from .sandbox import shared_sandbox

    sandbox = shared_sandbox()
    return Target(settings=sandbox_settings(sandbox), sandbox=sandbox)


def scripted_browser(username: str, password: Any, *, timeout: float = 10.0) -> Callable[[str], bool]:
    """An ``open_browser`` for :func:`pinghelpers.browser.browser_sign_on` that signs on without a person.

    It does what a user does on the **local sandbox's** sign-on page, over real HTTP with ``requests``: open the
    authorize URL (following the 302 to the page), submit the page's form with ``username`` and ``password``,
    and follow the redirects — resume, then the loopback callback. For notebooks and tests; against PingOne
    use a real browser (its hosted page is a JavaScript app, and may ask for MFA).
    """

    def open_url(url: str) -> bool:
        pw = password.reveal() if hasattr(password, "reveal") else str(password)
        with requests.Session() as browser:
            page = browser.get(url, timeout=timeout)
            found = re.search(r"<form[^>]*action=[\"']([^\"']+)[\"']", page.text)
            if page.status_code != 200 or not found:
                raise ConnectionError(f"no sign-on form at {page.url} (HTTP {page.status_code})")
            action = urljoin(page.url, unescape(found.group(1)))
            browser.post(action, data={"username": username, "password": pw}, timeout=timeout)
        return True

    return open_url


def log_exposure(prepared: requests.PreparedRequest, secret: Any, *, now: float | None = None) -> dict[str, Any]:
    """What someone reading this token request in full — a proxy, a debug log — could take away and reuse.

    Returns ``secret_in_log`` (the client secret itself can be recovered: Basic's header is only base64, POST
    carries it as is), ``reusable`` (what an attacker could send again) and ``window`` (for how long: the secret
    until rotated, an assertion until its ``exp`` — PingOne does not remember ``jti``, so it is replayable).
    """
    value = secret.reveal() if hasattr(secret, "reveal") else str(secret)
    body = prepared.body.decode() if isinstance(prepared.body, bytes) else str(prepared.body or "")
    form = dict(parse_qsl(body, keep_blank_values=True))
    header = str(prepared.headers.get("Authorization", ""))
    in_header = False
    if header.startswith("Basic "):
        _, _, encoded_secret = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        in_header = unquote(encoded_secret) == value  # RFC 6749 §2.3.1 form-encodes both parts
    in_body = form.get("client_secret") == value
    if in_header or in_body:
        return {"secret_in_log": True, "reusable": "the client secret", "window": "until the secret is rotated"}
    try:
        _, claims, _, _ = decode_compact(form.get("client_assertion", ""))
    except ValueError:
        claims = None
    if claims is not None:
        left = int(claims.get("exp", 0) - (_clock_now() if now is None else now))
        return {"secret_in_log": False, "reusable": "the signed assertion", "window": f"{max(left, 0)}s, until exp"}
    return {"secret_in_log": False, "reusable": "nothing", "window": "—"}
