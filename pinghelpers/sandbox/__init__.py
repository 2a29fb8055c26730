"""The local sandbox: an offline stand-in for PingOne's auth endpoints, on this machine's loopback.

It serves PingOne's paths (``/{envID}/as/...``, ``/{envID}/flows/...``, ``/v1/environments/{envID}/...``) and
enforces PingOne's rules — CLIENT_SECRET_JWT through the same checker the client uses (:mod:`pinghelpers.rules`).
Start it with ``Sandbox().start()`` (or ``with Sandbox() as sb:``), or from the shell:
``python -m pinghelpers sandbox [--config class.json]``.

Werkzeug is needed here and nowhere else in the package: ``pip install 'pinghelpers[sandbox]'``.
"""

try:
    import werkzeug as _werkzeug  # noqa: F401 - only to name the fix when it is missing
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by tests/unit/test_webapp.py
    raise ImportError(
        "the local sandbox needs Werkzeug, which is an optional dependency of pinghelpers — fix: "
        "pip install 'pinghelpers[sandbox]' (the workbook's requirements.txt includes it)"
    ) from exc

from .config import SandboxConfig, load_config
from .faults import FAULTS, FaultSwitch
from .issuer import Issuer
from .server import Sandbox, shared_sandbox
from .state import (
    CODE_LIFETIME,
    DEFAULT_CLIENT_ID,
    DEFAULT_ENV_ID,
    DEFAULT_PASSWORD,
    DEFAULT_REDIRECT_URI,
    DEFAULT_USERNAME,
    DEFAULT_WORKER_ID,
    FLOW_IDLE_TIMEOUT,
)

__all__ = [
    "CODE_LIFETIME",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_ENV_ID",
    "DEFAULT_PASSWORD",
    "DEFAULT_REDIRECT_URI",
    "DEFAULT_USERNAME",
    "DEFAULT_WORKER_ID",
    "FAULTS",
    "FLOW_IDLE_TIMEOUT",
    "FaultSwitch",
    "Issuer",
    "Sandbox",
    "SandboxConfig",
    "load_config",
    "shared_sandbox",
]
