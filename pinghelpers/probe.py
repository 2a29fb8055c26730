"""``probe()``: the same documented-behaviour probes against your target and a local sandbox configured like it.

Where does the local sandbox differ from *your* PingOne environment? :func:`probe` starts a local sandbox in this
process (127.0.0.1) with the target's client ID, auth method, redirect URI and scopes, sends both the same probes
— discovery and JWKS fields, authorize errors, the flows API with a good and a wrong password, resume, the token
exchange with a good client assertion and with each CLIENT_SECRET_JWT rule of :data:`pinghelpers.rules.RULES`
broken alone, code replay, userinfo, introspect, revoke, signoff — and compares what came back: the status,
the keys of the answer and its error code. Never ids, times or tokens (those differ on every run).

Safe live: at most :data:`MAX_REQUESTS` requests to the target, one at a time (``pause`` seconds apart), with the
application's own auth method only (a secret is never sent in clear to an app configured for assertions); the
answers kept in the report are masked (token signatures, codes, cookies; :func:`pinghelpers.cassette.mask_text`).
A broken assertion is sent with a made-up code, so no real code is spent on it.

>>> report = probe()                 # PINGONE_* settings, like every command
>>> report.differences               # the probes whose answers differ
"""

from __future__ import annotations

import json
import secrets as _random
import uuid
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigurationError, PingHelpersError, TransportError
from .probe_steps import _NEEDS_USER, MAX_REQUESTS, PROBES, Answer, ProbeBudgetExceeded, Step, _Side
from .rules import auth_method
from .secret import Secret
from .settings import Settings

__all__ = ["MAX_REQUESTS", "Answer", "ProbeReport", "ProbeResult", "probe"]


@dataclass(frozen=True)
class ProbeResult:
    name: str
    target: Answer
    local: Answer
    note: str

    @property
    def same(self) -> bool:
        return self.target.compared() == self.local.compared()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target.as_dict(),
            "local": self.local.as_dict(),
            "same": self.same,
            "note": self.note,
        }


@dataclass
class ProbeReport:
    """Every probe's two answers; ``differences`` first when printed. ``requests``: sent to the target."""

    target: str
    results: list[ProbeResult] = field(default_factory=list)
    requests: int = 0

    @property
    def differences(self) -> list[ProbeResult]:
        return [r for r in self.results if not r.same]

    @property
    def exit_code(self) -> int:
        return 1 if self.differences else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "probes": [r.as_dict() for r in self.results],
            "differences": len(self.differences),
            "requests": self.requests,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=1)

    def __str__(self) -> str:
        lines = [
            f"probe: {self.target}",
            "   vs a local sandbox configured like it (same client id, auth method, redirect URI, scopes)",
            f"{len(self.results)} probes, {len(self.differences)} different, "
            f"{sum(1 for r in self.results if r.target.skipped and r.local.skipped)} skipped; "
            f"{self.requests} requests to the target (limit {MAX_REQUESTS})",
        ]
        if self.differences:
            lines += ["", "DIFFERENCES (status, keys or error code)"]
            for r in self.differences:
                lines += [
                    f"  ≠ {r.name}",
                    f"      target: {r.target.summary()}",
                    f"      local : {r.local.summary()}",
                    *_key_difference(r.target, r.local),
                    f"      means : {r.note}",
                ]
        lines += ["", "ALL PROBES"]
        for r in self.results:
            mark = "=" if r.same else "≠"
            lines.append(f"  {mark} {r.name:<34} {r.target.summary()}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from .display.probe import probe_html

        return probe_html(self)


def _key_difference(target: Answer, local: Answer) -> list[str]:
    only_target = sorted(set(target.keys) - set(local.keys))
    only_local = sorted(set(local.keys) - set(target.keys))
    if not (only_target or only_local):
        return []
    return [f"      keys  : only the target has {only_target or '—'}; only local has {only_local or '—'}"]


# -- the run ------------------------------------------------------------------------------------------------
def _local_sandbox(settings: Settings) -> tuple[Any, Settings]:
    from .sandbox import DEFAULT_ENV_ID, Sandbox

    method = auth_method(settings.auth_method)
    if not method.needs_secret:
        raise ConfigurationError(
            f"probe compares apps that use a client secret; this one uses {method.name}",
            setting="PINGONE_AUTH_METHOD",
            fix="probe an application with CLIENT_SECRET_JWT (or BASIC/POST)",
        )
    if not settings.redirect_uri:
        raise ConfigurationError(
            "probe needs the application's redirect URI", setting="PINGONE_REDIRECT_URI", fix="set PINGONE_REDIRECT_URI"
        )
    try:
        env_id = str(uuid.UUID(str(settings.env_id)))
    except ValueError:
        env_id = DEFAULT_ENV_ID  # an issuer without a PingOne environment ID
    username = settings.username or "probe-user"
    password = "Probe-" + _random.token_urlsafe(12) + "-1a"
    app = {
        "id": str(settings.client_id),
        "name": "probe: like the target's app",
        "tokenEndpointAuthMethod": method.name,
        "redirectUris": [settings.redirect_uri],
        "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN"],
    }
    config = {
        "environments": [
            {
                "id": env_id,
                "name": "probe",
                "applications": [app],
                "users": [{"username": username, "password": password}],
            }
        ]
    }
    sandbox = Sandbox(config=config).start()
    local = Settings(
        auth_path=sandbox.base_url,
        env_id=env_id,
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        redirect_uri=settings.redirect_uri,
        scope=settings.scope,
        auth_method=settings.auth_method,
        assertion_alg=settings.assertion_alg,
        username=username if settings.username else None,
        password=Secret(password) if settings.password is not None else None,
        source="local sandbox (probe)",
    )
    return sandbox, local


def _run(side: _Side, step: Step, needs_user: bool) -> Answer:
    if needs_user and not side.has_user:
        return Answer(skipped=_NEEDS_USER)
    try:
        return step(side)
    except ProbeBudgetExceeded:
        raise
    except TransportError as exc:
        return Answer(error=type(exc).__name__, detail=side.mask(exc.message))
    except (PingHelpersError, ValueError, KeyError) as exc:
        return Answer(error=type(exc).__name__, detail=side.mask(str(exc)))


def probe(settings: Settings | None = None, *, pause: float = 0.0, dotenv: str | None = ".env") -> ProbeReport:
    """Run every probe against ``settings`` (default: ``PINGONE_*``) and a local sandbox configured like it.

    Raises :class:`~pinghelpers.errors.ConfigurationError` when there is no target or it cannot be probed, and a
    :class:`~pinghelpers.errors.TransportError` when the target's discovery document cannot be fetched.
    """
    target = settings or Settings.from_env(dotenv=dotenv)
    if target is None:
        raise ConfigurationError(
            "no target to probe: PINGONE_* settings are not set",
            setting="PINGONE_ENV_ID",
            fix="set PINGONE_ENV_ID (+ PINGONE_REGION), PINGONE_CLIENT_ID, PINGONE_CLIENT_SECRET and "
            "PINGONE_REDIRECT_URI (environment or .env); PINGONE_USERNAME/PINGONE_PASSWORD for the sign-on probes",
        )
    target.require("client_id")
    sandbox, local = _local_sandbox(target)
    hide = [
        (v.reveal(), k)
        for v, k in (
            (target.client_secret, "client_secret"),
            (target.password, "password"),
            (local.client_secret, "client_secret"),
            (local.password, "password"),
        )
        if v is not None and v.reveal()
    ]
    there = local_side = None
    try:
        there = _Side("the target", target, limit=MAX_REQUESTS, pause=pause, hide=hide)
        local_side = _Side("the local sandbox", local, limit=10 * MAX_REQUESTS, pause=0.0, hide=hide)
        kind = (
            "a local sandbox"
            if target.is_local_sandbox
            else ("PingOne" if there.client.is_pingone else "an OpenID provider (not PingOne)")
        )
        label = f"{kind} at {there.client.endpoints.issuer}"
        report = ProbeReport(target=label)
        for index, (name, step, needs_user, note) in enumerate(PROBES):
            # The first probe (discovery) is sent bare: a target that does not answer at all cannot be probed.
            a = step(there) if index == 0 else _run(there, step, needs_user)
            b = _run(local_side, step, needs_user)
            report.results.append(ProbeResult(name, a, b, note))
        report.requests = there.sent
        return report
    finally:
        for side in (there, local_side):
            if side is not None:
                side.client.close()
        sandbox.stop()
