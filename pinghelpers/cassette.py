"""Record and replay: every HTTP exchange the client makes, as a JSON-lines *cassette*.

``PINGHELPERS_RECORD=FILE`` (or ``connect(record=FILE)``, ``--record FILE`` on the CLI) mounts a
:class:`RecordingAdapter` on every session :func:`pinghelpers.http.new_session` makes, so each request the client
sends — authorize, flows API, resume, token, userinfo, introspect, revoke, management — is written as one line:
method, URL, headers, body, status, response headers, body, elapsed time, the step's name and the clock.

A cassette never holds a credential that still works. Masking happens at record time, one marker per kind:

=======================  ===================================================================================
marker                   replaces
=======================  ===================================================================================
MASKED-CLIENT-SECRET     a client secret (``client_secret=``, HTTP Basic's password part, a ``secret`` field)
MASKED-PASSWORD          a user's password (flows API, management API)
MASKED-COOKIE            the value of every cookie (``ST`` and the others), sent or set
MASKED-CODE              an authorization code (redirect ``Location``, ``pi.flow`` JSON, token request form)
MASKED-TOKEN-SIGNATURE   the signature part of an access, ID or refresh token (claims stay readable)
MASKED-ASSERTION-SIGNATURE  the signature part of a ``client_assertion``
MASKED-OPAQUE-TOKEN      a token that is not a JWT (nothing readable to keep)
=======================  ===================================================================================

``PINGHELPERS_REPLAY=FILE`` (or ``connect(replay=FILE)``) mounts a :class:`ReplayAdapter` instead: each request is
answered by the next exchange of the cassette, with no network, and the package clock
(:func:`pinghelpers.timefmt.now`) reads the recorded time, so ``exp``/``iat`` checks read as they did. A request is
matched on its method, its URL without the query, and the *names* of its query and form fields (values such as
``state``, ``nonce``, PKCE and the assertion are fresh each run); the first request that differs stops the run with
:class:`~pinghelpers.errors.ReplayMismatch` naming the step and the difference. ``state`` and ``nonce`` that this
run chose are written into the recorded answers in place of the recorded ones, so the client's checks hold.
Anything that needs a masked signature (JWKS verification of a token) is reported *skipped* during a replay.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter

from .errors import ConfigurationError, ReplayMismatch
from .jose import b64url_decode, b64url_encode, split_compact
from .timefmt import now as clock_now
from .timefmt import set_clock

__all__ = [
    "MARKERS",
    "Player",
    "Recorder",
    "RecordingAdapter",
    "ReplayAdapter",
    "mask_exchange",
    "mask_text",
    "read_cassette",
]

#: One marker per kind of credential (see the module docstring). The two signature markers are base64url,
#: so a masked token still splits and decodes (its claims stay readable).
MARKERS: dict[str, str] = {
    "client_secret": "MASKED-CLIENT-SECRET",
    "password": "MASKED-PASSWORD",
    "cookie": "MASKED-COOKIE",
    "code": "MASKED-CODE",
    "token_signature": "MASKED-TOKEN-SIGNATURE",
    "assertion_signature": "MASKED-ASSERTION-SIGNATURE",
    "opaque_token": "MASKED-OPAQUE-TOKEN",
}
VERSION = 1
_JWT = re.compile(r"\b(eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.)([A-Za-z0-9_-]+)")
_ASSERTION = re.compile(r"(client_assertion=eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.)([A-Za-z0-9_-]+)")
# Form / query fields whose value is a credential (URL-encoded bodies and URLs, wherever they appear).
_FIELDS = {
    "code": "code",
    "client_secret": "client_secret",
    "password": "password",
}
_FIELD = re.compile(r"(^|[?&#\s\"'])(code|client_secret|password)=([^&#\s\"'<>]*)")
_JSON_SECRET_KEYS = {"secret": "client_secret", "client_secret": "client_secret"}
_JSON_PASSWORD_KEYS = {"password", "newPassword", "currentPassword"}
_TOKEN_KEYS = {"access_token", "id_token", "refresh_token", "token"}
_STEP = threading.local()


def set_step(label: str) -> None:
    """Name the step of the request about to be sent (``http.send`` calls it): the cassette records it."""
    _STEP.label = label


def _step() -> str:
    return str(getattr(_STEP, "label", "") or "")


# -- masking ------------------------------------------------------------------------------------------------
def mask_text(text: str, *, secrets: Iterable[tuple[str, str]] = ()) -> str:
    """Mask credentials in free text: literal ``secrets`` (value, kind), assertion and token signatures, and
    ``code=`` / ``client_secret=`` / ``password=`` fields of a URL or form body."""
    for value, kind in secrets:
        if value:
            text = text.replace(value, MARKERS[kind])
    text = _ASSERTION.sub(lambda m: m.group(1) + MARKERS["assertion_signature"], text)
    text = _JWT.sub(lambda m: m.group(1) + _signature_marker(m.group(2)), text)
    return _FIELD.sub(lambda m: f"{m.group(1)}{m.group(2)}={MARKERS[_FIELDS[m.group(2)]]}", text)


def _signature_marker(signature: str) -> str:
    return signature if signature in MARKERS.values() else MARKERS["token_signature"]


def _mask_json(value: Any, secrets: list[tuple[str, str]], *, parent: str = "") -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(item, str) and key in _JSON_PASSWORD_KEYS:
                out[key] = MARKERS["password"]
            elif isinstance(item, str) and key in _JSON_SECRET_KEYS:
                out[key] = MARKERS["client_secret"]
            elif isinstance(item, str) and key == "code" and parent == "authorizeResponse":
                out[key] = MARKERS["code"]  # pi.flow's code; a PingOne error's "code" is an error code
            elif isinstance(item, str) and key in _TOKEN_KEYS and not _JWT.search(item):
                out[key] = MARKERS["opaque_token"] if item and item not in MARKERS.values() else item
            else:
                out[key] = _mask_json(item, secrets, parent=key)
        return out
    if isinstance(value, list):
        return [_mask_json(v, secrets, parent=parent) for v in value]
    if isinstance(value, str):
        return mask_text(value, secrets=secrets)
    return value


def _mask_body(body: str, content_type: str, secrets: list[tuple[str, str]]) -> str:
    if "json" in content_type.lower() and body.strip():
        try:
            return json.dumps(_mask_json(json.loads(body), secrets), separators=(",", ":"))
        except ValueError:
            pass
    return mask_text(body, secrets=secrets)


def _mask_cookie_header(value: str, *, set_cookie: bool) -> str:
    if set_cookie:  # "ST=abc; Path=/; HttpOnly" — only the first pair is the cookie
        name, sep, rest = value.partition("=")
        _, semi, attributes = rest.partition(";")
        return f"{name}{sep}{MARKERS['cookie']}{semi}{attributes}" if sep else value
    pairs = [p.strip().partition("=") for p in value.split(";")]
    return "; ".join(f"{n}={MARKERS['cookie']}" if s else n for n, s, _ in pairs)


def _mask_headers(headers: Mapping[str, str], secrets: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.items():
        low = name.lower()
        if low == "cookie":
            out[name] = _mask_cookie_header(value, set_cookie=False)
        elif low == "set-cookie":
            # requests folds several Set-Cookie headers into one, comma-separated
            out[name] = ", ".join(
                _mask_cookie_header(v.strip(), set_cookie=True) for v in re.split(r",\s*(?=[^;,=\s]+=)", value)
            )
        elif low == "authorization" and value[:6].lower() == "basic ":
            try:
                user = base64.b64decode(value[6:]).decode("utf-8").partition(":")[0]
            except ValueError:
                user = ""
            masked = base64.b64encode(f"{user}:{MARKERS['client_secret']}".encode()).decode("ascii")
            out[name] = f"Basic {masked}"
        elif low == "authorization" and value[:7].lower() == "bearer ":
            token = value[7:]
            out[name] = "Bearer " + (
                mask_text(token, secrets=secrets) if _JWT.search(token) else MARKERS["opaque_token"]
            )
        else:
            out[name] = mask_text(value, secrets=secrets)
    return out


def mask_exchange(exchange: dict[str, Any], *, secrets: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    """The exchange with every credential replaced by its marker (see :data:`MARKERS`)."""
    known = [(v, k) for v, k in secrets if v]
    req, resp = exchange["request"], exchange["response"]
    req_type = str(req["headers"].get("Content-Type", ""))
    resp_type = str(resp["headers"].get("Content-Type", ""))
    return {
        **exchange,
        "request": {
            "method": req["method"],
            "url": mask_text(req["url"], secrets=known),
            "headers": _mask_headers(req["headers"], known),
            "body": _mask_body(req["body"], req_type, known),
        },
        "response": {
            "status": resp["status"],
            "reason": resp.get("reason", ""),
            "headers": _mask_headers(resp["headers"], known),
            "body": _mask_body(resp["body"], resp_type, known),
        },
    }


# -- recording ----------------------------------------------------------------------------------------------
def _text(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return str(body)


class Recorder:
    """Writes a cassette: a header line (recording time, non-secret settings) then one line per exchange."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        secrets: Iterable[tuple[str, str]] = (),
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.path = Path(path)
        self.secrets = [(v, k) for v, k in secrets if v]
        self.count = 0
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        header = {"cassette": "pinghelpers", "version": VERSION, "recorded_at": clock_now(), "markers": MARKERS}
        if settings:
            header["settings"] = dict(settings)
        self.path.write_text(json.dumps(header) + "\n", encoding="utf-8")

    def write(self, exchange: dict[str, Any]) -> None:
        masked = mask_exchange(exchange, secrets=self.secrets)
        with self._lock:
            self.count += 1
            masked = {"n": self.count, **masked}
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(masked) + "\n")


class RecordingAdapter(HTTPAdapter):
    """``HTTPAdapter`` that sends for real, reads the whole answer (bounded), and writes it to the recorder."""

    def __init__(self, recorder: Recorder, *, max_body: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.recorder = recorder
        self.max_body = max_body

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        sent_at = clock_now()
        start = time.perf_counter()
        response = super().send(request, *args, **kwargs)
        body = bytearray()
        for chunk in response.iter_content(65536):  # bounded like http._guarded; it sees the same bytes
            body.extend(chunk)
            if len(body) > self.max_body:
                break
        response._content = bytes(body)
        response._content_consumed = True  # type: ignore[attr-defined]
        elapsed = time.perf_counter() - start
        self.recorder.write(
            {
                "step": _step(),
                "time": round(sent_at, 3),
                "elapsed": round(elapsed, 4),
                "request": {
                    "method": request.method,
                    "url": request.url,
                    "headers": dict(request.headers),
                    "body": _text(request.body),
                },
                "response": {
                    "status": response.status_code,
                    "reason": response.reason,
                    "headers": dict(response.headers),
                    "body": _text(response.content[: self.max_body]),
                },
            }
        )
        return response


# -- replay -------------------------------------------------------------------------------------------------
def read_cassette(path: str | os.PathLike[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(header, exchanges) of a cassette file; :class:`ConfigurationError` when it is not one."""
    where = Path(path)
    try:
        lines = [json.loads(line) for line in where.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the cassette {where}: {exc.strerror}", setting="PINGHELPERS_REPLAY", fix="check the path"
        ) from None
    except ValueError:
        raise ConfigurationError(
            f"{where} is not a cassette (a line is not JSON)",
            setting="PINGHELPERS_REPLAY",
            fix="give a file written by PINGHELPERS_RECORD / connect(record=...)",
        ) from None
    if not lines or not isinstance(lines[0], dict) or lines[0].get("cassette") != "pinghelpers":
        raise ConfigurationError(
            f"{where} is not a pinghelpers cassette (no header line)",
            setting="PINGHELPERS_REPLAY",
            fix="give a file written by PINGHELPERS_RECORD / connect(record=...)",
        )
    return lines[0], lines[1:]


def _shape(method: str, url: str, body: str, content_type: str) -> tuple[str, str, list[str], list[str]]:
    parts = urlsplit(url)
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    query = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    fields: list[str] = []
    if "json" in content_type.lower():
        try:
            data = json.loads(body) if body else None
            fields = sorted(data) if isinstance(data, dict) else []
        except ValueError:
            fields = []
    elif body and "=" in body:
        fields = sorted({k for k, _ in parse_qsl(body, keep_blank_values=True)})
    return method.upper(), base, query, fields


def _values(url: str, body: str) -> dict[str, str]:
    found = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    if body and "=" in body and not body.lstrip().startswith("{"):
        found.update(parse_qsl(body, keep_blank_values=True))
    return found


class Player:
    """Serves a cassette's exchanges in order and holds the replay clock (the recorded time of the last one)."""

    ECHOED = ("state", "nonce")  # values this run chose that the server echoes back

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.header, self.exchanges = read_cassette(path)
        self.position = 0
        self.swaps: dict[str, str] = {}
        self.time = float(self.header.get("recorded_at") or (self.exchanges[0]["time"] if self.exchanges else 0))
        self._lock = threading.Lock()
        self._previous_clock = set_clock(self.now)

    def now(self) -> float:
        return self.time

    def close(self) -> None:
        set_clock(self._previous_clock if self._previous_clock is not self.now else None)

    @property
    def settings(self) -> dict[str, Any]:
        value = self.header.get("settings")
        return dict(value) if isinstance(value, dict) else {}

    def answer(self, request: requests.PreparedRequest) -> dict[str, Any]:
        body = _text(request.body)
        content_type = str(request.headers.get("Content-Type", ""))
        method, url = str(request.method), str(request.url)
        with self._lock:
            step = _step() or f"{method} {url.split('?')[0]}"
            if self.position >= len(self.exchanges):
                raise ReplayMismatch(
                    f"replay of {self.path.name}: {step} sends {method} {url.split('?')[0]}, but the cassette holds "
                    f"only {len(self.exchanges)} exchanges, all used",
                    step=step,
                    index=self.position + 1,
                    fix="re-record the cassette with the same cells, or run the notebook live",
                )
            recorded = self.exchanges[self.position]
            rec = recorded["request"]
            want = _shape(rec["method"], rec["url"], rec["body"], str(rec["headers"].get("Content-Type", "")))
            have = _shape(method, url, body, content_type)
            if want != have:
                raise ReplayMismatch(
                    f"replay of {self.path.name} stopped at exchange {self.position + 1} ({step}; recorded as "
                    f"{recorded.get('step') or '?'}): {_difference(want, have)}",
                    step=step,
                    index=self.position + 1,
                    fix="the cells ran differently from the recording: run them in order from the top, or re-record "
                    "the cassette",
                )
            recorded_values = _values(rec["url"], rec["body"])
            for name, value in _values(url, body).items():
                old = recorded_values.get(name)
                if name in self.ECHOED and old and old != value:
                    self.swaps[old] = value
            self.position += 1
            self.time = float(recorded.get("time") or self.time)
            return _swap_response(recorded["response"], self.swaps)


def _difference(want: tuple[str, str, list[str], list[str]], have: tuple[str, str, list[str], list[str]]) -> str:
    if want[:2] != have[:2]:
        return f"the recording has {want[0]} {want[1]}, this run sends {have[0]} {have[1]}"
    if want[2] != have[2]:
        return f"query fields differ: recorded {want[2]}, now {have[2]}"
    return f"body fields differ: recorded {want[3]}, now {have[3]}"


def _swap_token(token: str, swaps: Mapping[str, str]) -> str:
    try:
        head, payload, signature = split_compact(token)
        text = b64url_decode(payload).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return token
    for old, new in swaps.items():
        text = text.replace(old, new)
    return f"{head}.{b64url_encode(text.encode('utf-8'))}.{signature}"


def _swap_response(response: Mapping[str, Any], swaps: Mapping[str, str]) -> dict[str, Any]:
    def swap(text: str) -> str:
        for old, new in swaps.items():
            text = text.replace(old, new)
        return _JWT.sub(lambda m: _swap_token(m.group(0), swaps), text) if swaps else text

    return {
        **response,
        "headers": {k: swap(str(v)) for k, v in response["headers"].items()},
        "body": swap(str(response["body"])),
    }


class ReplayAdapter(BaseAdapter):
    """A transport that never touches the network: each request gets the cassette's next answer."""

    def __init__(self, player: Player) -> None:
        super().__init__()
        self.player = player

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        recorded = self.player.answer(request)
        response = requests.Response()
        response.status_code = int(recorded["status"])
        response.reason = str(recorded.get("reason") or "")
        response.headers = requests.structures.CaseInsensitiveDict(recorded["headers"])
        response.headers.pop("Content-Length", None)
        response.headers.pop("Content-Encoding", None)  # the recorded body is already decoded text
        response._content = str(recorded["body"]).encode("utf-8")
        response._content_consumed = True  # type: ignore[attr-defined]
        response.url = str(request.url)
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        return None
