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

Grants ("Resources": "When you define an application in PingOne and specify its resource grant, you identify the
protected endpoints that users can access",
https://developer.pingidentity.com/pingone-api/platform/resources.html; "Create Grant",
https://developer.pingidentity.com/pingone-api/platform/applications/application-resource-grants/create-grant.html):
an application gets a custom resource's scopes only through a grant of them (:attr:`~.state.App.grants`).
"""

from __future__ import annotations

from typing import Any

from .context import Context
from .errors import oauth_error
from .state import App, Resource, User

__all__ = ["active_user", "mint_for_scope", "revocable", "token_resource", "ungranted"]


def ungranted(ctx: Context, app: App, scope: str) -> list[str]:
    """The scopes in ``scope`` that belong to a custom resource but are not granted to ``app`` (sorted)."""
    wanted = set(scope.split())
    granted = {name for grant in app.grants for name in grant.scopes}
    owned = {name for r in ctx.env.resources.values() for name in r.scopes}
    return sorted((wanted & owned) - granted)


def token_resource(ctx: Context, scope: str, app: App | None = None) -> tuple[str, Resource | None]:
    """The access token's ``aud`` for ``scope``, and its custom resource (``None``: a platform resource).

    Scopes of one custom resource (with OIDC scopes beside them, for the ID token) → that resource's audience;
    otherwise the PingOne API resource's (the sandbox's API base). Sandbox choice: scopes of two custom
    resources in one request are ``invalid_scope`` (a token has one audience). With ``app``: a custom resource's
    scope that is not granted to it is ``invalid_scope`` too (PingOne: scopes come through a resource grant).
    """
    if app is not None and (missing := ungranted(ctx, app, scope)):
        raise oauth_error(400, "invalid_scope", f"Scopes not granted to the application: {' '.join(missing)}")
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


def active_user(ctx: Context, user_id: object) -> User:
    """The user a grant's tokens are for, still present and enabled — else ``invalid_grant`` (RFC 6749 §5.2)."""
    user = ctx.env.users.get(str(user_id))
    if user is None or not user.enabled:
        raise oauth_error(400, "invalid_grant", "The user is no longer active")
    return user


def mint_for_scope(
    ctx: Context, app: App, user: User | None, scope: str, **kwargs: Any
) -> tuple[dict[str, Any], list[str]]:
    """Sign the tokens every grant issues for ``scope``: its resource (:func:`token_resource`, grants checked)
    gives the access token's audience, its revocability and its lifetime (``accessTokenValiditySeconds``, "Create
    Resource"). ``kwargs`` go to :meth:`~.issuer.Issuer.mint` (nonce, auth_time, session_id, with_refresh …)."""
    audience, resource = token_resource(ctx, scope, app)
    return ctx.issuer.mint(
        issuer_url=ctx.issuer_url,
        env=ctx.env,
        app=app,
        user=user,
        scope=scope,
        api_audience=audience,
        resource_id=resource.id if resource else None,
        access_lifetime=resource.access_token_validity_seconds if resource else None,
        **kwargs,
    )
