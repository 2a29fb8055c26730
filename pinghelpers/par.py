"""Pushed authorization requests (PAR, RFC 9126): send authorize's parameters over the back channel first.

PingOne (https://developer.pingidentity.com/pingone-api/auth/openid-connect-oauth-2/par-intro.html):
``POST {issuer}/par`` takes the authorize request's parameters plus the client authentication of the app's
method (here a CLIENT_SECRET_JWT assertion whose ``aud`` is the PAR endpoint, the URL called) and answers a
``request_uri`` that lives 60 seconds by default and is accepted once. The browser then carries only
``client_id`` and ``request_uri``: nothing of the request can be read or changed on the way.

::

    request = client.authorization_request()
    pushed = client.push_authorization_request(request)   # the same request, its URL now short
    result = client.sign_on(pushed)                       # or open pushed.url in a browser
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from .errors import InvalidResponse
from .http import error_from_response, parse_json, send
from .messages import AuthorizationRequest

if TYPE_CHECKING:
    from requests.auth import AuthBase

    from .client import PingOneClient

__all__ = ["push_authorization_request"]


def push_authorization_request(
    client: PingOneClient, request: AuthorizationRequest, *, auth: AuthBase | None = None
) -> AuthorizationRequest:
    """POST ``request``'s parameters to the PAR endpoint; return the request with URL
    ``{authorize}?client_id=…&request_uri=…`` (its ``state``, ``nonce`` and ``code_verifier`` kept).

    Raises :class:`~pinghelpers.OAuthError` for a refused push (``invalid_client``: the client authentication),
    :class:`~pinghelpers.InvalidResponse` for an answer without ``request_uri``.
    """
    endpoints = client.endpoints
    url = endpoints.pushed_authorization_request_endpoint or f"{endpoints.issuer}/par"
    what = "the pushed authorization request"
    response = send(
        client.session, "POST", url, timeout=client.timeout, what=what, data=request.params, auth=auth or client.auth
    )
    if response.status_code >= 400:
        raise error_from_response(response, what=what)
    body = parse_json(response, what="the PAR response")
    request_uri = body.get("request_uri") if isinstance(body, dict) else None
    if not isinstance(request_uri, str) or not request_uri:
        raise InvalidResponse(f"the PAR response has no request_uri: {body!r}"[:200], url=url)
    short = {"client_id": request.params["client_id"], "request_uri": request_uri}
    return AuthorizationRequest(
        url=f"{endpoints.authorization_endpoint}?{urlencode(short)}",
        params=dict(request.params),
        state=request.state,
        nonce=request.nonce,
        code_verifier=request.code_verifier,
    )
