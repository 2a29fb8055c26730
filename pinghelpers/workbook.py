"""The notebooks' setup cell: pick the target (a PingOne environment, or the local sandbox) and say so.

target = connect()      # PINGONE_* settings present → live PingOne; none → the local sandbox
target                  # a banner naming the target, shown in the notebook
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from html import escape
from typing import Any

from .client import PingOneClient
from .settings import Settings

__all__ = ["Target", "connect"]


@dataclass
class Target:
    """Where the cells send their requests: ``settings``, plus the running ``sandbox`` when local."""

    settings: Settings
    sandbox: Any = None  # pinghelpers.sandbox.Sandbox when local

    @property
    def is_local_sandbox(self) -> bool:
        return self.sandbox is not None

    @property
    def label(self) -> str:
        if self.is_local_sandbox:
            return "local sandbox (an offline stand-in for PingOne on this machine)"
        ep = self.settings.endpoints()
        return f"PingOne environment {ep.env_id or ''} at {ep.issuer}".replace("  ", " ")

    def endpoints(self) -> Any:
        return self.settings.endpoints()

    def client(self, **kwargs: Any) -> PingOneClient:
        return PingOneClient(self.settings, **kwargs)

    def __repr__(self) -> str:
        return f"Target({self.label})"

    def _repr_html_(self) -> str:
        if self.is_local_sandbox:
            return (
                "<div style='border-left:6px solid #b4530a;background:#fff4e5;padding:.6em 1em'>"
                "<b>Target: LOCAL SANDBOX</b> — an offline stand-in for PingOne running on this machine at "
                f"<code>{escape(self.settings.auth_path or '')}</code>. Nothing leaves your computer. "
                "To run these cells against your own PingOne environment, set <code>PINGONE_ENV_ID</code>, "
                "<code>PINGONE_REGION</code>, <code>PINGONE_CLIENT_ID</code>, <code>PINGONE_CLIENT_SECRET</code> "
                "and <code>PINGONE_REDIRECT_URI</code> (environment or <code>.env</code>) and restart the kernel."
                "</div>"
            )
        return (
            "<div style='border-left:6px solid #0d4a8f;background:#e8f1fb;padding:.6em 1em'>"
            f"<b>Target: PINGONE</b> — {escape(self.label)} (settings from {escape(self.settings.source)}). "
            "Requests go to Ping Identity's servers.</div>"
        )


def connect(*, settings: Settings | None = None, dotenv: str | None = ".env") -> Target:
    """The workbook's target: ``settings`` if given, else ``PINGONE_*`` settings, else the local sandbox."""
    # PINGHELPERS_TARGET=sandbox forces the local sandbox (tests and `make notebooks` set it, so committed
    # outputs never come from a live environment even when a developer has PINGONE_* set).
    forced_sandbox = os.environ.get("PINGHELPERS_TARGET", "").lower() == "sandbox"
    chosen = settings or (None if forced_sandbox else Settings.from_env(dotenv=dotenv))
    if chosen is not None:
        return Target(settings=chosen)
    from .sandbox import shared_sandbox

    sandbox = shared_sandbox()
    return Target(settings=sandbox.settings(), sandbox=sandbox)
