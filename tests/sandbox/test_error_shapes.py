"""PingOne's two error shapes, correlation ids, the request size limit — and never a traceback over HTTP."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from pinghelpers.sandbox import Sandbox
from pinghelpers.sandbox.app import MAX_BODY_BYTES
from pinghelpers.sandbox.issuer import Issuer
from pinghelpers.sandbox.keys import SigningKey

from ..conftest import MARKER_SECRET
from .conftest import default_target
from .flow import csj_form, oauth_error, platform_error, post_form

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def broken(signing_key: SigningKey) -> Iterator[Sandbox]:
    """A sandbox with one extra route whose handler fails the way a bug would."""
    sb = Sandbox(client_secret=MARKER_SECRET, issuer=Issuer(signing_key=signing_key))

    def bug(request: Request, **_: Any) -> Response:
        raise KeyError(f"internal detail {MARKER_SECRET} /srv/app.py line 12")

    sb.app.register("/__sandbox/bug", "bug", ("GET",), bug)
    with sb:
        yield sb


def test_internal_exception_is_500_unexpected_error(broken: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="pinghelpers.sandbox"):
        r = requests.get(f"{broken.base_url}/__sandbox/bug", timeout=10)
    body = platform_error(r, 500, "UNEXPECTED_ERROR")
    assert body == {"id": body["id"], "code": "UNEXPECTED_ERROR", "message": "An unexpected error occurred."}
    for leak in ("Traceback", "KeyError", MARKER_SECRET, ".py"):
        assert leak not in r.text
    assert any(record.exc_info for record in caplog.records), "the operator's log keeps the traceback"
    assert requests.get(f"{broken.base_url}/__sandbox/health", timeout=10).status_code == 200


def test_oauth_error_shape_has_correlation_id(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    r = post_form(t.token_url, {"grant_type": "authorization_code", "code": "x", **csj_form(t, sub="other")})
    body = oauth_error(r, 401, "invalid_client")
    assert set(body) == {"error", "error_description"}
    correlation = re.search(r"\(Correlation ID: (" + UUID.pattern + r")\)$", body["error_description"])
    assert correlation and r.headers["Correlation-Id"] == correlation.group(1)
    assert r.headers["Cache-Control"] == "no-store" and "WWW-Authenticate" in r.headers


def test_platform_error_shape(sandbox: Sandbox) -> None:
    r = requests.get(f"{sandbox.base_url}/{sandbox.env_id}/flows/unknown", timeout=10)
    body = platform_error(r, 404, "NOT_FOUND")
    assert UUID.fullmatch(body["id"]) and body["message"] == "The requested resource was not found."


def test_unknown_path_and_method(sandbox: Sandbox) -> None:
    platform_error(requests.get(f"{sandbox.base_url}/nowhere/at/all", timeout=10), 404, "NOT_FOUND")
    platform_error(requests.get(sandbox.token_endpoint, timeout=10), 405, "METHOD_NOT_ALLOWED")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_request_size_limit(sandbox: Sandbox, chunked: bool) -> None:
    body = b"grant_type=client_credentials&pad=" + b"x" * MAX_BODY_BYTES
    data: Any = iter([body[i : i + 4096] for i in range(0, len(body), 4096)]) if chunked else body
    r = requests.post(
        sandbox.token_endpoint,
        data=data,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert platform_error(r, 413, "REQUEST_FAILED")["details"][0]["code"] == "SIZE_LIMIT_EXCEEDED"


def test_body_just_under_the_limit_is_read(sandbox: Sandbox) -> None:
    t = default_target(sandbox)
    form = {"grant_type": "client_credentials", **csj_form(t)}
    encoded = "&".join(f"{k}={v}" for k, v in form.items())
    encoded += "&pad=" + "x" * (MAX_BODY_BYTES - len(encoded) - 5)
    assert len(encoded) == MAX_BODY_BYTES
    r = requests.post(
        t.token_url, data=encoded, headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10
    )
    oauth_error(r, 400, "unauthorized_client")  # read in full and judged on its merits, not on its size
