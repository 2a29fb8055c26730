"""Calling APIs with the tokens: a Bearer ``AuthBase``, and one that keeps the tokens fresh.

::

    auth = OAuth2Auth(client, tokens, on_update=save)          # tokens: exchange_code's TokenResponse
    requests.get(api_url, auth=auth)                             # refreshed first when about to expire

:class:`BearerAuth` puts ``Authorization: Bearer <access token>`` on a request (RFC 6750 §2.1).
:class:`OAuth2Auth` holds an access token, its expiry and the refresh token: before a request, if the access
token expires within ``leeway`` seconds, it refreshes (``grant_type=refresh_token``, RFC 6749 §6) under a
lock — one refresh however many threads are waiting — keeps the *rotated* refresh token PingOne returns
(the old one is dead: replaying it revokes the family), and calls ``on_update(tokens)`` so the app can
persist them. A failed refresh raises the token endpoint's error; it is never retried.

Both work with ``httpx`` too: httpx calls a callable ``auth`` with its request and both only set a header
(sync clients; an ``httpx.AsyncClient`` would run the refresh's blocking call in its event loop — not
offered).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from requests.auth import AuthBase

from .errors import ConfigurationError
from .messages import TokenResponse

if TYPE_CHECKING:
    from .client import PingOneClient

__all__ = ["BearerAuth", "OAuth2Auth"]

DEFAULT_LEEWAY = 60.0  # refresh this many seconds before expiry: clocks differ, requests take time


def _mask(token: str | None) -> str:
    return "None" if not token else f"'{token[:6]}…'({len(token)} chars)"


class BearerAuth(AuthBase):
    """``Authorization: Bearer <access token>`` on every request (RFC 6750 §2.1).

    >>> requests.get(endpoints.userinfo_endpoint, auth=BearerAuth(tokens.access_token))
    """

    def __init__(self, access_token: str) -> None:
        if not access_token or not isinstance(access_token, str):
            raise ConfigurationError(
                "BearerAuth needs an access token", fix="pass tokens.access_token from a successful token response"
            )
        self.access_token = access_token

    def __call__(self, r: Any) -> Any:
        r.headers["Authorization"] = f"Bearer {self.access_token}"
        return r

    def __repr__(self) -> str:
        return f"BearerAuth(access_token={_mask(self.access_token)})"


class OAuth2Auth(AuthBase):
    """A Bearer auth that refreshes its access token before it expires, safely across threads.

    ``tokens`` is a :class:`TokenResponse` (from ``exchange_code``) or a mapping an app persisted
    (:meth:`to_dict`: ``access_token``, ``refresh_token``, ``expires_at``). ``on_update(tokens)`` runs after each
    refresh, inside the lock, with the new :class:`TokenResponse` — whose refresh token is the rotated one (or
    the previous one when the server did not rotate). ``now`` is injectable (tests move time).

    Thread safety: one instance may be shared by every thread of a user's session; concurrent requests that
    find the token expiring wait for a single refresh and all use its result.
    """

    def __init__(
        self,
        client: PingOneClient,
        tokens: TokenResponse | Mapping[str, Any],
        *,
        on_update: Callable[[TokenResponse], None] | None = None,
        leeway: float = DEFAULT_LEEWAY,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.on_update = on_update
        self.leeway = leeway
        self._now = now
        self._lock = threading.Lock()
        self.refreshes = 0
        if isinstance(tokens, TokenResponse):
            tokens.raise_for_error()
            access, refresh, expires_at = tokens.access_token, tokens.refresh_token, tokens.expires_at
        else:
            access, refresh = tokens.get("access_token"), tokens.get("refresh_token")
            raw = tokens.get("expires_at")
            expires_at = float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None
        if not isinstance(access, str) or not access:
            raise ConfigurationError(
                "OAuth2Auth needs tokens with an access_token", fix="pass exchange_code's successful TokenResponse"
            )
        self._access: str = access
        self._refresh: str | None = refresh if isinstance(refresh, str) and refresh else None
        self._expires_at: float | None = expires_at

    @property
    def access_token(self) -> str:
        """The current access token — refreshed first when it expires within ``leeway`` seconds."""
        if not self._expiring():
            return self._access
        with self._lock:
            if self._expiring():  # another thread may have refreshed while this one waited
                self._refresh_now()
            return self._access

    @property
    def expires_at(self) -> float | None:
        return self._expires_at

    def _expiring(self) -> bool:
        return self._expires_at is not None and self._now() >= self._expires_at - self.leeway

    def _refresh_now(self) -> None:
        if self._refresh is None:
            raise ConfigurationError(
                "the access token has expired and there is no refresh token",
                fix="sign the user in again, or give the app the REFRESH_TOKEN grant in PingOne "
                "(Applications → your app → Configuration → Grant Type)",
            )
        # RFC 6749 §6; raises the token endpoint's error (e.g. invalid_grant: the user must sign in again).
        new = self.client.refresh(self._refresh)
        access = new.access_token
        if not access:
            raise ConfigurationError("the refresh answer has no access_token", fix="sign the user in again")
        if not new.refresh_token and isinstance(new.body, dict):
            new.body["refresh_token"] = self._refresh  # RFC 6749 §6: the server may keep the old one valid
        self._access, self._refresh = access, new.refresh_token
        expires_in = new.body.get("expires_in") if isinstance(new.body, dict) else None
        # Counted from this auth's clock (the one that decides when to refresh), not the response's.
        self._expires_at = self._now() + float(expires_in) if isinstance(expires_in, (int, float)) else None
        self.refreshes += 1
        if self.on_update is not None:
            self.on_update(new)

    def to_dict(self) -> dict[str, Any]:
        """What to persist (JSON-safe): ``access_token``, ``refresh_token``, ``expires_at`` — tokens, so keep it
        server-side (a database, a server-side session), never in a cookie the browser can read."""
        with self._lock:
            return {"access_token": self._access, "refresh_token": self._refresh, "expires_at": self._expires_at}

    def __call__(self, r: Any) -> Any:
        r.headers["Authorization"] = f"Bearer {self.access_token}"
        return r

    def __repr__(self) -> str:
        return f"OAuth2Auth(access_token={_mask(self._access)}, expires_at={self._expires_at!r})"
