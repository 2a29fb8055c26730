"""The client side of a running local sandbox: the :class:`~pinghelpers.Settings` that reach it.

The sandbox (:mod:`pinghelpers.sandbox`) imports nothing client-side — it is a stand-in *server*. Turning one
into client settings belongs to the client, here::

    from pinghelpers import PingOneClient
    from pinghelpers.local import sandbox_settings
    from pinghelpers.sandbox import Sandbox

    with Sandbox() as sandbox, PingOneClient(sandbox_settings(sandbox)) as client:
        request = client.authorization_request()
        tokens = client.exchange_code(client.sign_on(request).code, code_verifier=request.code_verifier)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .settings import Settings

if TYPE_CHECKING:
    from .sandbox import Sandbox

__all__ = ["sandbox_settings"]


def sandbox_settings(sandbox: Sandbox, **overrides: Any) -> Settings:
    """:class:`Settings` for a running sandbox's primary app, test user and worker app.

    The auth path is the sandbox's own URL (``http://127.0.0.1:<port>``), the environment, client and secret
    are its seeded (or ``--config``) app's, and the admin fields name its worker app for the management
    notebook. ``overrides`` replace any field, e.g. ``sandbox_settings(sb, redirect_uri=...)``.
    """
    values: dict[str, Any] = {
        "auth_path": sandbox.base_url,
        "env_id": sandbox.env_id,
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "redirect_uri": sandbox.redirect_uri,
        # A configured class may have no user yet (created later through the management API).
        "username": sandbox.username or None,
        "password": sandbox.password if sandbox.password.reveal() else None,
        "api_path": sandbox.api_path,
        "source": "local sandbox",
        "admin_env_id": sandbox.env_id,
        "admin_client_id": sandbox.worker_id,
        "admin_client_secret": sandbox.worker_secret,
    }
    method = sandbox.auth_method
    if method != "CLIENT_SECRET_JWT":  # a --config primary app may use another method
        values["auth_method"] = method.lower()
    values.update(overrides)
    return Settings(**values)
