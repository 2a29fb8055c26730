"""The notebooks' setup cell: pick the target (a PingOne environment, or the local sandbox) and say so.

target = connect()      # PINGONE_* settings present → live PingOne; none → the local sandbox
target                  # a banner naming the target, shown in the notebook

Every notebook runs top to bottom live with the basic settings alone (environment, client, secret, redirect URI,
test user). A section that needs more — a worker application for the management API, a test user, PingOne's
flows API — asks :meth:`Target.needs` first: it shows one box saying what the section would do and which
setting enables it, and its cells skip what they cannot do instead of failing.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any

import requests

from .client import PingOneClient
from .endpoints import is_loopback_url
from .errors import ConfigurationError
from .http import new_session
from .messages import AuthorizationRequest, AuthorizationResult, code_from
from .settings import Settings
from .workbook_aids import NOTEBOOKS, log_exposure, scripted_browser
from .workfiles import CREATED_LEDGER, read_ledger, write_dotenv, write_ledger

__all__ = [
    "CREATED_LEDGER",
    "LOOPBACK_CALLBACK",
    "NOTEBOOKS",
    "REPLAY_SECRET",
    "Requirement",
    "Target",
    "connect",
    "log_exposure",
    "record_to",
    "scripted_browser",
    "write_dotenv",
]

#: The loopback redirect URI the browser sign-on listens on (registered on the local sandbox's app).
LOOPBACK_CALLBACK = "http://127.0.0.1:8765/callback"


@dataclass(frozen=True)
class Requirement:
    """What a notebook section needs, and whether this target has it. ``bool(requirement)`` says so.

    Displayed, a missing requirement is one box: what the section would do, why it cannot here, and the
    setting that enables it. A met one is a single green line.
    """

    name: str
    met: bool
    does: str
    enable: str
    detail: str = ""

    def __bool__(self) -> bool:
        return self.met

    def __repr__(self) -> str:
        if self.met:
            return f"✔ {self.name}: {self.detail or 'available'}"
        return f"⚠ This section needs {self.name}. It would {self.does}. {self.enable}"

    def _repr_html_(self) -> str:
        if self.met:
            return (
                f"<div style='color:#1a7f37'>✔ <b>{escape(self.name)}</b>: {escape(self.detail or 'available')}</div>"
            )
        return (
            "<div style='border-left:6px solid #9a6700;background:#fff8c5;padding:.6em 1em'>"
            f"<b>This section needs {escape(self.name)}.</b> It would {escape(self.does)}.<br>"
            f"{escape(self.enable)}<br><small>The cells below still run: they skip what needs it.</small></div>"
        )


@dataclass
class Target:
    """Where the cells send their requests: ``settings``, plus the running ``sandbox`` when local."""

    settings: Settings
    sandbox: Any = None  # pinghelpers.sandbox.Sandbox when local
    replay: str | None = None  # the cassette answering every request (PINGHELPERS_REPLAY), no network
    #: How a browser sign-on opens the authorize URL (default: the system browser, ``webbrowser.open``).
    open_browser: Callable[[str], Any] | None = None
    _announced: set[str] = field(default_factory=set, repr=False)
    # The local sandbox lives as long as the kernel: what a notebook creates there is noted in memory only.
    _memory_ledger: list[dict[str, str]] = field(default_factory=list, repr=False)

    @property
    def is_local_sandbox(self) -> bool:
        return self.sandbox is not None

    @property
    def is_pingone(self) -> bool:
        """True for a PingOne environment (region, auth path, custom domain) and the local sandbox; False for
        another OpenID provider reached through ``PINGONE_ISSUER`` (no flows API, no management API)."""
        return self.endpoints().flows_base is not None

    def needs(self, what: str, does: str) -> Requirement:
        """Whether a section's requirement is met here: ``"worker"`` (the management API's worker app),
        ``"test user"`` (``PINGONE_USERNAME``/``PINGONE_PASSWORD``) or ``"flows API"`` (PingOne's headless
        sign-on). ``does`` says, for the box, what the section would do. Display the result once, then guard
        the section's cells with ``if requirement:``.
        """
        s = self.settings
        if what == "worker":
            if not self.is_pingone:
                return Requirement(
                    "a PingOne management API",
                    False,
                    does,
                    f"{self.endpoints().issuer} is not PingOne, so there is no management API to call. "
                    "Create the application in that provider's console, or run this notebook on the local "
                    "sandbox (no PINGONE_* settings) or against a PingOne environment.",
                )
            ok = bool(s.admin_client_id and s.admin_client_secret)
            source = "the local sandbox's worker app" if self.is_local_sandbox else "PINGONE_ADMIN_CLIENT_ID"
            return Requirement(
                "a worker application",
                ok,
                does,
                "Set PINGONE_ADMIN_ENV_ID, PINGONE_ADMIN_CLIENT_ID and PINGONE_ADMIN_CLIENT_SECRET (a worker app "
                "with the Environment Admin and Identity Data Admin roles; see docs/trainer-guide.md) in .env, "
                "then restart the kernel.",
                f"management calls authenticate as {source}",
            )
        if what in ("flows API", "test user") and not (self.is_pingone and s.username and s.password is not None):
            self._announced.add("sign-on")  # the box says how sign-on happens instead: say it once per notebook
        if what == "flows API":
            return Requirement(
                "PingOne's flows API",
                self.is_pingone,
                does,
                f"Headless sign-on is PingOne's flows API, and {self.endpoints().issuer} is not PingOne. The other "
                "notebooks sign on in your browser instead (set PINGONE_REDIRECT_URI to a loopback URI such as "
                f"{LOOPBACK_CALLBACK}, registered on the app) or read a redirect URL you paste.",
                "headless sign-on (authorize → flows → resume) works here",
            )
        if what == "test user":
            ok = self.is_pingone and bool(s.username and s.password is not None)
            source = "the local sandbox's user" if self.is_local_sandbox else "PINGONE_USERNAME"
            return Requirement(
                "a test user",
                ok,
                does,
                "Set PINGONE_USERNAME and PINGONE_PASSWORD (a user of the app's population, with a password-only "
                "sign-on policy) in .env and restart the kernel. Until then, each sign-on happens in your browser "
                "(a loopback PINGONE_REDIRECT_URI) or from a redirect URL you paste."
                if self.is_pingone
                else f"Headless sign-on is PingOne's flows API, and {self.endpoints().issuer} is not PingOne: each "
                "sign-on here happens in your browser (a loopback PINGONE_REDIRECT_URI) or from a redirect URL you "
                "paste.",
                f"{s.username} ({source})",
            )
        raise ValueError(f"unknown requirement {what!r}: use 'worker', 'test user' or 'flows API'")

    @property
    def label(self) -> str:
        if self.is_local_sandbox:
            return "local sandbox (an offline stand-in for PingOne on this machine)"
        if self.replay:
            return f"replay of {self.replay} (recorded answers, no network; clock frozen at the recording's time)"
        ep = self.settings.endpoints()
        if ep.flows_base is None:
            return f"the OpenID provider at {ep.issuer}"
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

        Live: ``PINGONE_REDIRECT_URI`` when it is one already, else :data:`LOOPBACK_CALLBACK`, which you register
        on the application yourself. On the local sandbox: a
        free port on 127.0.0.1, registered on the sandbox's app in-process, so a busy port 8765 never gets in the
        way of a lesson.
        """
        if not self.is_local_sandbox:
            configured = self.settings.redirect_uri or ""
            if configured.startswith("http://") and is_loopback_url(configured):
                return configured  # already a loopback URI registered on the app
            return LOOPBACK_CALLBACK
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        uri = f"http://127.0.0.1:{port}/callback"
        self.sandbox.register_redirect_uri(uri, client_id=self.settings.client_id, env_id=self.settings.env_id)
        return uri

    def sign_on(self, client: PingOneClient, request: AuthorizationRequest | None = None) -> AuthorizationResult:
        """A fresh authorization code for notebooks that start after the sign-on step.

        Headless (PingOne's flows API) when a username and password are known — always on the local sandbox,
        live when ``PINGONE_USERNAME``/``PINGONE_PASSWORD`` are set. Otherwise (no test user, or a provider that
        is not PingOne) the notebook says so once, then signs on in a browser when the redirect URI is a
        loopback address (:func:`pinghelpers.browser.browser_sign_on`), or asks for the redirect URL to be
        pasted (the authorize URL is printed; open it, sign on, copy the address you land on).
        """
        request = request or client.authorization_request()
        if client.is_pingone and self.settings.username and self.settings.password is not None:
            return client.sign_on(request)
        redirect = request.params.get("redirect_uri", "")
        loopback = redirect.startswith("http://") and is_loopback_url(redirect)
        self._announce(client, loopback)
        if loopback:
            from .browser import browser_sign_on

            if self.open_browser is not None:
                return browser_sign_on(client, request, open_browser=self.open_browser)
            return browser_sign_on(client, request)
        print(f"Open this URL, sign on, then paste the address your browser lands on:\n{request.url}")
        try:
            pasted = input("redirect URL: ")
        except (EOFError, NotImplementedError) as exc:  # IPython's StdinNotImplementedError (no stdin here)
            raise ConfigurationError(
                "a sign-on is needed, and this kernel cannot ask for the redirect URL",
                setting="PINGONE_USERNAME",
                fix="run the notebook in JupyterLab (it can ask), set PINGONE_USERNAME and PINGONE_PASSWORD "
                f"(PingOne only), or register {LOOPBACK_CALLBACK} on the app and set PINGONE_REDIRECT_URI to it",
            ) from exc
        code = code_from(pasted, expected_state=request.state)
        return AuthorizationResult(code=code, state=request.state, request=request, redirect_url=pasted.strip())

    def _announce(self, client: PingOneClient, loopback: bool) -> None:
        """Say once per notebook why this sign-on is not headless, and how it will happen instead."""
        if "sign-on" in self._announced:
            return
        self._announced.add("sign-on")
        how = "in your browser (a loopback callback catches the code)" if loopback else "with a redirect URL you paste"
        if not client.is_pingone:
            why = f"Headless sign-on is PingOne's flows API; {client.endpoints.issuer} is not PingOne."
        else:
            why = "No test user is set (PINGONE_USERNAME, PINGONE_PASSWORD) for a headless sign-on."
        print(f"{why} Each sign-on in this notebook happens {how}.")

    # -- what notebooks 2 and 8 create, and the clean-up ------------------------------------------------------
    def record_created(self, notebook: str, kind: str, name: str, url: str) -> None:
        """Note a resource a notebook created (``url`` is its management URL) in :data:`CREATED_LEDGER` (on the
        local sandbox: in memory, since its state ends with the kernel)."""
        entries = self._read_ledger()
        entries.append({"notebook": notebook, "kind": kind, "name": name, "url": url})
        self._write_ledger(entries)

    def created(self, *notebooks: str) -> list[dict[str, str]]:
        """What the ledger says ``notebooks`` (all when none named) created and did not delete yet."""
        return [e for e in self._read_ledger() if not notebooks or e["notebook"] in notebooks]

    def _read_ledger(self) -> list[dict[str, str]]:
        return list(self._memory_ledger) if self.is_local_sandbox else read_ledger()

    def _write_ledger(self, entries: list[dict[str, str]]) -> None:
        if self.is_local_sandbox:
            self._memory_ledger[:] = entries
        else:
            write_ledger(entries)

    def clean_up(self, *notebooks: str) -> list[tuple[str, str, str, int]]:
        """Delete what ``notebooks`` created (all when none named), newest first, through the management API.

        Returns ``(notebook, kind, name, HTTP status)`` rows; PingOne answers ``204 No Content`` to a delete
        (``404`` when it is gone already). Deleted entries leave the ledger; others stay for another try.
        """
        entries = self._read_ledger()
        chosen = [e for e in entries if not notebooks or e["notebook"] in notebooks]
        if not chosen:
            return []
        api, _ = self.management()
        rows, done = [], []
        with api:
            for entry in reversed(chosen):  # users before their population; the newest first
                status = api.delete(entry["url"], timeout=10).status_code
                rows.append((entry["notebook"], entry["kind"], entry["name"], status))
                if status in (204, 404):
                    done.append(entry)
        self._write_ledger([e for e in entries if e not in done])
        return rows

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
