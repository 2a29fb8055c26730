"""The one place HTTP happens: a ``requests`` call with a timeout, transport failures wrapped, bodies bounded.

No automatic retries anywhere: an authorization code is single-use, so a token POST that is repeated after
a lost answer can burn the code and (RFC 6749 §4.1.2) revoke the tokens issued from it.

Record and replay (:mod:`pinghelpers.cassette`) plug in here, as the transport adapter of every session
:func:`new_session` makes: ``PINGHELPERS_RECORD=FILE`` / ``PINGHELPERS_REPLAY=FILE`` in the environment, or
:func:`use_cassette` (what ``connect(record=…)``, ``connect(replay=…)`` and the CLI's ``--record`` call).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from ._version import __version__
from .errors import (
    ConnectionFailed,
    InvalidResponse,
    OAuthError,
    PingOneAPIError,
    PlatformError,
    RequestTimedOut,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_BODY_BYTES",
    "error_from_response",
    "get_json",
    "jwks_client",
    "new_session",
    "parse_json",
    "replaying",
    "send",
    "send_prepared",
    "use_cassette",
]

DEFAULT_TIMEOUT = 10.0
MAX_BODY_BYTES = 2 * 1024 * 1024  # PingOne answers are a few KiB; anything this large is not PingOne.
USER_AGENT = f"pinghelpers/{__version__}"  # neutral: the library in an app is not "the workbook"


class _Session(requests.Session):
    """``requests.Session`` minus one cost: it does not prepare the redirect it was told not to follow.

    With ``allow_redirects=False`` (every call here: authorize and resume answer 302 with the code in the
    ``Location``, and a redirect is never followed blindly) ``Session.send`` still builds the next request
    to fill ``Response.next``: it copies the request and its cookie jar, re-parses both URLs and merges the
    cookies again. Nothing here reads ``Response.next`` (it stays ``None``). Measured in Python function
    calls per step (noise-free): resume 2 512 → 2 175 (−13 %), authorize 3 666 → 3 416 (−7 %). Followed
    redirects are untouched.
    """

    def resolve_redirects(
        self, resp: requests.Response, req: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> Any:
        if kwargs.get("yield_requests"):
            return iter(())  # only Response.next would have used it
        return super().resolve_redirects(resp, req, *args, **kwargs)


# The cassette in use: None before the first session (then PINGHELPERS_RECORD / PINGHELPERS_REPLAY are read),
# False when there is none, else a cassette.Recorder or cassette.Player.
_CASSETTE: Any = None


def use_cassette(
    *,
    record: str | os.PathLike[str] | None = None,
    replay: str | os.PathLike[str] | None = None,
    secrets: Iterable[tuple[str, str]] = (),
    settings: Mapping[str, Any] | None = None,
) -> Any:
    """Record every later session's exchanges to ``record``, or answer them from ``replay`` (or neither: stop).

    ``secrets`` are (value, kind) pairs masked wherever they appear (kind: ``client_secret`` or ``password``);
    ``settings`` (no secrets) go into the cassette's header so a replay can rebuild the target. Returns the
    :class:`~pinghelpers.cassette.Recorder` or :class:`~pinghelpers.cassette.Player` (``None`` when stopped).
    """
    global _CASSETTE
    from . import cassette

    if isinstance(_CASSETTE, cassette.Player):
        _CASSETTE.close()
    if record and replay:
        raise ValueError("record or replay, not both")
    if record:
        _CASSETTE = cassette.Recorder(record, secrets=secrets, settings=settings)
    elif replay:
        _CASSETTE = cassette.Player(replay)
    else:
        _CASSETTE = False
    return _CASSETTE or None


def _cassette() -> Any:
    global _CASSETTE
    if _CASSETTE is None:
        replay, record = os.environ.get("PINGHELPERS_REPLAY"), os.environ.get("PINGHELPERS_RECORD")
        use_cassette(replay=replay) if replay else use_cassette(record=record)
    return _CASSETTE or None


def replaying() -> Any:
    """The :class:`~pinghelpers.cassette.Player` answering requests, or ``None`` (sends go to the network)."""
    from .cassette import Player

    active = _cassette()
    return active if isinstance(active, Player) else None


def new_session() -> requests.Session:
    """A ``requests.Session`` with retries switched off for every method (urllib3 ``total=0``).

    With a cassette in use its transport records every exchange, or answers from the recording.
    """
    session = _Session()
    active = _cassette()
    adapter: Any
    if active is None:
        adapter = HTTPAdapter(max_retries=0)
    else:
        from .cassette import Player, RecordingAdapter, ReplayAdapter

        if isinstance(active, Player):
            adapter = ReplayAdapter(active)
        else:
            adapter = RecordingAdapter(active, max_body=MAX_BODY_BYTES, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    allow_redirects: bool = False,
    what: str = "",
    **kwargs: Any,
) -> requests.Response:
    """Send one request; wrap transport failures in :mod:`pinghelpers.errors`; bound the body size.

    ``what`` names the step for error messages ("the token request").
    """
    label = what or f"{method} {url}"
    _name_step(label)
    return _guarded(
        lambda: session.request(method, url, timeout=timeout, allow_redirects=allow_redirects, stream=True, **kwargs),
        url=url,
        label=label,
        timeout=timeout,
    )


def send_prepared(
    session: requests.Session,
    prepared: requests.PreparedRequest,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    what: str = "",
) -> requests.Response:
    """Send an already-prepared request once (no redirects, no retries), with :func:`send`'s guarantees."""
    url = str(prepared.url)
    _name_step(what or f"{prepared.method} {url}")
    return _guarded(
        lambda: session.send(prepared, timeout=timeout, allow_redirects=False, stream=True),
        url=url,
        label=what or f"{prepared.method} {url}",
        timeout=timeout,
    )


def _name_step(label: str) -> None:
    if _CASSETTE:
        from .cassette import set_step

        set_step(label)


def _guarded(call: Any, *, url: str, label: str, timeout: float) -> requests.Response:
    try:
        response: requests.Response = call()
    except requests.exceptions.Timeout as exc:
        raise RequestTimedOut(
            f"{label}: no answer from {url} within {timeout:g} s",
            url=url,
            fix="check the host is reachable; for a token request do NOT resend the same code — start the "
            "flow again to get a new one",
        ) from exc
    except requests.exceptions.SSLError as exc:
        raise ConnectionFailed(
            f"{label}: TLS handshake with {url} failed ({type(exc).__name__})",
            url=url,
            fix="check the URL's host name and the machine's CA certificates",
        ) from exc
    except requests.exceptions.ConnectionError as exc:
        raise ConnectionFailed(
            f"{label}: could not connect to {url} (connection refused or host not found)",
            url=url,
            fix="check the region / auth path / custom domain; for the local sandbox, make sure it is running",
        ) from exc
    except requests.exceptions.InvalidURL as exc:
        raise ConnectionFailed(f"{label}: invalid URL {url!r}", url=url, fix="check the settings") from exc
    except requests.exceptions.RequestException as exc:
        raise ConnectionFailed(f"{label}: the request failed ({type(exc).__name__})", url=url) from exc
    try:
        declared = int(response.headers.get("Content-Length") or 0)
        if declared > MAX_BODY_BYTES:
            raise InvalidResponse(
                f"{label}: answer of {declared} bytes exceeds {MAX_BODY_BYTES} bytes — not a PingOne answer",
                url=url,
                fix="check the URL points at PingOne's auth server",
            )
        body = bytearray()
        for chunk in response.iter_content(65536):
            body.extend(chunk)
            if len(body) > MAX_BODY_BYTES:
                raise InvalidResponse(
                    f"{label}: answer larger than {MAX_BODY_BYTES} bytes — not a PingOne answer",
                    url=url,
                    fix="check the URL points at PingOne's auth server",
                )
        response._content = bytes(body)
    except requests.exceptions.Timeout as exc:
        raise RequestTimedOut(f"{label}: the answer stalled (more than {timeout:g} s between bytes)", url=url) from exc
    except requests.exceptions.RequestException as exc:
        raise ConnectionFailed(f"{label}: the connection broke while reading the answer", url=url) from exc
    except ValueError as exc:
        raise InvalidResponse(f"{label}: malformed Content-Length", url=url) from exc
    finally:
        response.close()
    return response


def parse_json(response: requests.Response, *, what: str = "") -> Any:
    """The JSON body, or :class:`InvalidResponse` naming the content type and the first bytes seen."""
    try:
        return json.loads(response.content.decode("utf-8"))
    except RecursionError:
        # JSON nested past the parser's stack (issue 16 #4): no real server answers that; never let it escape.
        raise InvalidResponse(
            f"{what or 'the answer'} from {response.url} is JSON nested too deeply to be a real answer "
            f"(HTTP {response.status_code})",
            url=response.url,
            fix="check the URL is PingOne's auth server; something else is answering",
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        snippet = response.content[:80].decode("utf-8", "replace").replace("\n", " ")
        raise InvalidResponse(
            f"{what or 'the answer'} from {response.url} is not JSON (HTTP {response.status_code}, "
            f"Content-Type {response.headers.get('Content-Type', '?')!r}, starts {snippet!r})",
            url=response.url,
            fix="check the URL is PingOne's auth server; a proxy or captive portal may be answering instead",
        ) from exc


def error_from_response(response: requests.Response, *, what: str = "") -> PingOneAPIError:
    """Turn an error response into :class:`OAuthError`, :class:`PlatformError` or :class:`PingOneAPIError`."""
    try:
        body = json.loads(response.content.decode("utf-8")) if response.content else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        body = None
    status = response.status_code
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return OAuthError(
            body["error"],
            str(body.get("error_description") or ""),
            status=status,
            body=body,
            response=response,
        )
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        raw_details = body.get("details")
        details: list[Any] = raw_details if isinstance(raw_details, list) else []
        return PlatformError(
            body["code"],
            str(body.get("message") or ""),
            status=status,
            details=[d for d in details if isinstance(d, dict)],
            error_id=body.get("id") if isinstance(body.get("id"), str) else None,
            body=body,
            response=response,
        )
    snippet = response.content[:120].decode("utf-8", "replace").replace("\n", " ")
    return PingOneAPIError(
        f"{what or 'the request'} failed: HTTP {status} {response.reason or ''} with a body that is not a "
        f"PingOne error ({snippet!r})".replace("  ", " "),
        status=status,
        body=None,
        response=response,
        fix="a 5xx is a server-side failure: wait and start the flow again (do not resend the same code)"
        if status >= 500
        else "check the URL and the request",
    )


def get_json(url: str, *, session: requests.Session | None = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
    """GET a JSON document (discovery, JWKS); raise on transport failures and HTTP errors."""
    own = session is None
    sess = new_session() if session is None else session
    try:
        response = send(sess, "GET", url, timeout=timeout, allow_redirects=True, what=f"GET {url}")
        if response.status_code >= 400:
            raise error_from_response(response, what=f"GET {url}")
        return parse_json(response, what=f"GET {url}")
    finally:
        if own:
            sess.close()


_JWKS_CLIENTS: dict[str, Any] = {}
JWKS_REFETCH_COOLDOWN = 5.0  # seconds between forced JWKS refetches for unknown kids (per JWKS URL)


def jwks_client(jwks_uri: str) -> Any:
    """PyJWT's ``PyJWKClient`` for ``jwks_uri``, one per URL for the process (a timeout of 10 s per fetch).

    It caches the key set (5 minutes) and fetches it again, once, when a token names a ``kid`` it does not
    know (key rotation) — at most once per :data:`JWKS_REFETCH_COOLDOWN` seconds, so tokens with made-up
    ``kid`` values cannot make the app hammer the issuer (PyJWT's default cooldown is 30 s).
    """
    client = _JWKS_CLIENTS.get(jwks_uri)
    if client is None:
        import jwt  # PyJWT (and cryptography) only when a JWKS is used

        client = jwt.PyJWKClient(
            jwks_uri, cache_keys=True, lifespan=300, timeout=10, cooldown_duration=JWKS_REFETCH_COOLDOWN
        )
        _JWKS_CLIENTS[jwks_uri] = client
    return client
