"""Which resource a token is for — its audience — and whether it may be revoked.

PingOne issues an access token for one resource
(https://apidocs.pingidentity.com/pingone/customer/v1/api/man/p1_Resources/): the **PingOne API** resource
(audience ``https://api.pingone.<tld>``; the management API and the worker's token), the **openid** resource
(``openid profile email …``, for ``/as/userinfo``) — both platform resources — or a **custom** resource with
its own ``audience`` and scopes (:class:`~.state.Resource`, configurable in ``--config``).

Revocation ("Token Revocation",
https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/token-revocation.html): "the tokens to
be revoked must be for a custom resource. Tokens issued for the PingOne API resource may not be revoked … Also,
custom resource tokens that do not have a `sid` (session) claim, such as tokens issued for the
`client_credentials` grant type, cannot be revoked."
"""

from __future__ import annotations

from typing import Any

from .context import Context
from .errors import oauth_error
from .state import Resource

__all__ = ["revocable", "token_resource"]


def token_resource(ctx: Context, scope: str) -> tuple[str, Resource | None]:
    """The access token's ``aud`` for ``scope``, and its custom resource (``None``: a platform resource).

    Scopes of one custom resource (with OIDC scopes beside them, for the ID token) → that resource's audience;
    otherwise the PingOne API resource's (the sandbox's API base). Sandbox choice: scopes of two custom
    resources in one request are ``invalid_scope`` (a token has one audience).
    """
    wanted = set(scope.split())
    hits = [r for r in ctx.env.resources.values() if wanted & set(r.scopes)]
    if len(hits) > 1:
        names = ", ".join(sorted(r.name for r in hits))
        raise oauth_error(400, "invalid_scope", f"The scopes name more than one resource ({names})")
    if hits:
        return hits[0].audience, hits[0]
    return ctx.base_url, None


def revocable(record: dict[str, Any]) -> bool:
    """May ``/as/revoke`` end this token? Only a custom resource's token that carries a ``sid``."""
    return bool(record.get("resource")) and bool(record.get("sid") or record.get("session_id"))
