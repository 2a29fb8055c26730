"""Secret rotation: "Update Application Secret" keeps the previous secret valid until ``previous.expiresAt``.

https://developer.pingidentity.com/pingone-api/platform/applications/application-secret/update-application-secret.html
— a new secret; the replaced one is "a previous secret that remains valid for a specified period, up to 30 days";
Read Application Secret shows ``previous: {secret, expiresAt}`` while it is valid ("Application Secret" data
model). Client authentication (basic, post, and the CLIENT_SECRET_JWT HMAC key) accepts it until then, by the
sandbox's clock.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
import requests

from pinghelpers.sandbox import Sandbox

from .conftest import FakeClock, default_target
from .flow import csj_form, platform_error, post_form, refused


def _stamp(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))


def _worker(sb: Sandbox) -> str:
    r = post_form(
        sb.token_endpoint, {"grant_type": "client_credentials"}, auth=(sb.worker_id, sb.worker_secret.reveal())
    )
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


def _call(sb: Sandbox, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
    token = _worker(sb)
    return requests.request(
        method,
        f"{sb.api_path}/environments/{sb.env_id}{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def _app(sb: Sandbox, method: str) -> str:
    body = {
        "name": f"rotating-{method}-{time.time_ns()}",
        "type": "WORKER",
        "enabled": True,
        "grantTypes": ["CLIENT_CREDENTIALS"],
        "tokenEndpointAuthMethod": method,
    }
    r = _call(sb, "POST", "/applications", body)
    assert r.status_code == 201, r.text
    app_id: str = r.json()["id"]
    return app_id


def _secret(sb: Sandbox, app_id: str) -> dict[str, Any]:
    r = _call(sb, "GET", f"/applications/{app_id}/secret")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _client_credentials(sb: Sandbox, app_id: str, secret: str, method: str) -> requests.Response:
    form = {"grant_type": "client_credentials"}
    if method == "CLIENT_SECRET_BASIC":
        return post_form(sb.token_endpoint, form, auth=(app_id, secret))
    return post_form(sb.token_endpoint, {**form, "client_id": app_id, "client_secret": secret})


@pytest.mark.parametrize("method", ["CLIENT_SECRET_BASIC", "CLIENT_SECRET_POST"])
def test_previous_secret_authenticates_until_it_expires(clocked: Sandbox, clock: FakeClock, method: str) -> None:
    app_id = _app(clocked, method)
    old = _secret(clocked, app_id)["secret"]
    expires = _stamp(clock.now + 3600)
    r = _call(clocked, "POST", f"/applications/{app_id}/secret", {"previous": {"expiresAt": expires}})
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert rotated["previous"] == {"secret": old, "expiresAt": expires} and rotated["secret"] != old
    assert _client_credentials(clocked, app_id, rotated["secret"], method).status_code == 200
    assert _client_credentials(clocked, app_id, old, method).status_code == 200
    clock.advance(3601)
    refused(_client_credentials(clocked, app_id, old, method), 401, "invalid_client")
    assert _client_credentials(clocked, app_id, rotated["secret"], method).status_code == 200
    assert "previous" not in _secret(clocked, app_id)  # "returned in the response if … not expired"


def test_previous_secret_signs_client_secret_jwt_until_it_expires(clocked: Sandbox, clock: FakeClock) -> None:
    t = default_target(clocked)
    old = t.secret
    r = _call(
        clocked, "POST", f"/applications/{t.client_id}/secret", {"previous": {"expiresAt": _stamp(clock.now + 600)}}
    )
    assert r.status_code == 200, r.text
    assert _secret(clocked, t.client_id)["previous"]["secret"] == old

    def introspect(secret: str | None) -> requests.Response:
        form = csj_form(t, aud=f"{t.issuer}/introspect", secret=secret, exp=int(clock.now) + 300)
        return post_form(f"{t.issuer}/introspect", {"token": "x", **form})

    assert introspect(old).status_code == 200
    assert introspect(r.json()["secret"]).status_code == 200
    clock.advance(601)
    assert "signature" in refused(introspect(old), 401, "invalid_client")
    assert introspect(r.json()["secret"]).status_code == 200


def test_rotation_without_previous_ends_the_old_secret_at_once(clocked: Sandbox) -> None:
    app_id = _app(clocked, "CLIENT_SECRET_BASIC")
    old = _secret(clocked, app_id)["secret"]
    r = requests.post(
        f"{clocked.api_path}/environments/{clocked.env_id}/applications/{app_id}/secret",
        headers={"Authorization": f"Bearer {_worker(clocked)}"},
        timeout=10,
    )
    assert r.status_code == 200 and "previous" not in r.json(), r.text
    refused(_client_credentials(clocked, app_id, old, "CLIENT_SECRET_BASIC"), 401, "invalid_client")


@pytest.mark.parametrize("ahead", [-60, 30, 31 * 24 * 3600, None])
def test_previous_expires_at_is_1_minute_to_30_days_ahead(
    clocked: Sandbox, clock: FakeClock, ahead: int | None
) -> None:
    app_id = _app(clocked, "CLIENT_SECRET_BASIC")
    stamp = "not a time" if ahead is None else _stamp(clock.now + ahead)
    r = _call(clocked, "POST", f"/applications/{app_id}/secret", {"previous": {"expiresAt": stamp}})
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["target"] == "previous.expiresAt"


def test_secrets_stay_out_of_reprs_errors_and_logs(
    clocked: Sandbox, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The previous secret too: not in the app's repr, an error's body or headers, or the sandbox's log."""
    caplog.set_level(logging.DEBUG)
    app_id = _app(clocked, "CLIENT_SECRET_BASIC")
    old = _secret(clocked, app_id)["secret"]
    r = _call(clocked, "POST", f"/applications/{app_id}/secret", {"previous": {"expiresAt": _stamp(clock.now + 120)}})
    new = r.json()["secret"]
    app = clocked.issuer.environments[clocked.env_id].apps[app_id]
    assert old not in repr(app) and new not in repr(app)
    clock.advance(121)
    wrong = _client_credentials(clocked, app_id, old, "CLIENT_SECRET_BASIC")
    shown = wrong.text + str(dict(wrong.headers))
    bad = _call(clocked, "POST", f"/applications/{app_id}/secret", {"previous": {"expiresAt": old}})
    shown += bad.text + str(dict(bad.headers)) + caplog.text
    assert wrong.status_code == 401 and bad.status_code == 400
    assert old not in shown and new not in shown
