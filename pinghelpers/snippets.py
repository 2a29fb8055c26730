"""One request rendered three ways — curl, raw HTTP, Python ``requests`` — like PingOne's "Example Request" tabs.

Secrets are masked unless ``reveal=True``: ``client_secret``, ``password``, the ``Authorization`` header, and
the ``client_assertion`` (a bearer credential for its lifetime, so it is masked too; its header and payload
are kept so the reader can see what was sent, only the signature is hidden).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from .jose import split_compact

__all__ = ["RequestSnippet", "mask_form", "snippet"]

_SECRET_FIELDS = {"client_secret", "password", "refresh_token", "code_verifier"}
_MASK = "********"


def _mask_assertion(value: str) -> str:
    try:
        header, payload, _ = split_compact(value)
    except ValueError:
        return _MASK
    return f"{header}.{payload}.{_MASK}"


def mask_form(fields: Mapping[str, str] | list[tuple[str, str]], *, reveal: bool = False) -> list[tuple[str, str]]:
    """Form fields with secret values masked (``client_assertion`` keeps header and payload)."""
    pairs = list(fields.items()) if isinstance(fields, Mapping) else list(fields)
    if reveal:
        return pairs
    out = []
    for k, v in pairs:
        if k in _SECRET_FIELDS:
            v = _MASK
        elif k == "client_assertion":
            v = _mask_assertion(v)
        out.append((k, v))
    return out


@dataclass(frozen=True)
class RequestSnippet:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    form: tuple[tuple[str, str], ...] = ()
    json_body: Any = None

    def curl(self) -> str:
        lines = [f"curl -sS -X {self.method} {shlex.quote(self.url)}"]
        for k, v in self.headers.items():
            lines.append(f"  -H {shlex.quote(f'{k}: {v}')}")
        for k, v in self.form:
            lines.append(f"  --data-urlencode {shlex.quote(f'{k}={v}')}")
        if self.json_body is not None:
            import json

            lines.append(f"  --data {shlex.quote(json.dumps(self.json_body))}")
        return " \\\n".join(lines)

    def http(self) -> str:
        parts = urlsplit(self.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"{self.method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        body = ""
        if self.form:
            body = urlencode(list(self.form))
        elif self.json_body is not None:
            import json

            body = json.dumps(self.json_body)
        if body:
            # HTTP/1.1 needs the body's length (RFC 9112 §6.2); with it the text can be sent as-is (CRLF).
            lines.append(f"Content-Length: {len(body.encode('utf-8'))}")
        return "\n".join(lines) + "\n\n" + body

    def python(self) -> str:
        lines = ["import requests", "", f"response = requests.{self.method.lower()}(", f"    {self.url!r},"]
        if self.headers:
            lines.append(f"    headers={dict(self.headers)!r},")
        if self.form:
            lines.append("    data={")
            lines += [f"        {k!r}: {v!r}," for k, v in self.form]
            lines.append("    },")
        if self.json_body is not None:
            lines.append(f"    json={self.json_body!r},")
        lines += [
            "    allow_redirects=False,",
            "    timeout=10,",
            ")",
            "print(response.status_code, response.text)",
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.curl()

    def _repr_html_(self) -> str:
        from .display.reprs import snippet_html

        return snippet_html(self)


def snippet(request: Any, *, reveal: bool = False) -> RequestSnippet:
    """A :class:`RequestSnippet` from a ``requests.PreparedRequest`` (secrets masked unless ``reveal``)."""
    headers = {
        k: v
        for k, v in dict(request.headers).items()
        if k.lower() not in ("user-agent", "accept-encoding", "connection", "content-length", "cookie")
    }
    if not reveal and "Authorization" in headers:
        scheme = headers["Authorization"].split(" ", 1)[0]
        headers["Authorization"] = f"{scheme} {_MASK}"
    body = request.body
    form: tuple[tuple[str, str], ...] = ()
    json_body = None
    ctype = headers.get("Content-Type", "")
    if body:
        text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
        if ctype.startswith("application/x-www-form-urlencoded"):
            form = tuple(mask_form(parse_qsl(text, keep_blank_values=True), reveal=reveal))
        elif "json" in ctype:
            import json

            try:
                json_body = json.loads(text)
            except ValueError:
                json_body = text
            if not reveal and isinstance(json_body, dict):
                json_body = {k: (_MASK if k in _SECRET_FIELDS else v) for k, v in json_body.items()}
    return RequestSnippet(
        method=str(request.method), url=str(request.url), headers=headers, form=form, json_body=json_body
    )
