"""Fault injection: every fault, through the Python API and the loopback-only admin route.

Each fault makes the next matching request fail for exactly one reason, and is consumed only by the endpoint
(and the check) it targets.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
from werkzeug.test import Client

from pinghelpers.sandbox import FAULTS, Sandbox
from pinghelpers.sandbox.issuer import Issuer
from pinghelpers.sandbox.keys import SigningKey

from ..conftest import MARKER_SECRET
from .conftest import default_target
from .flow import Target, code_for, csj_form, exchange, oauth_error, platform_error, post_form, refused


@pytest.fixture(scope="module")
def faulty(signing_key: SigningKey) -> Iterator[Sandbox]:
    with Sandbox(client_secret=MARKER_SECRET, issuer=Issuer(signing_key=signing_key)) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _disarm(faulty: Sandbox) -> Iterator[None]:
    faulty.faults.clear()
    yield
    faulty.faults.clear()


def _arm_http(sb: Sandbox, fault: str, **extra: object) -> requests.Response:
    return requests.post(
        f"{sb.base_url}/__sandbox/faults", json={"fault": fault, **extra}, headers=_admin(sb), timeout=10
    )


def _admin(sb: Sandbox) -> dict[str, str]:
    """The fault switch's per-process token header (issue 16 #2)."""
    return {"X-Sandbox-Token": sb.admin_token}


def _worker_token(sb: Sandbox) -> requests.Response:
    return requests.post(
        sb.token_endpoint,
        data={"grant_type": "client_credentials"},
        auth=(sb.worker_id, sb.worker_secret.reveal()),
        timeout=10,
    )


def _exchange_fresh(t: Target) -> requests.Response:
    code, verifier = code_for(t)
    return exchange(t, code, verifier)


@pytest.mark.parametrize("via", ["python", "http"])
def test_fault_clock_skew(faulty: Sandbox, via: str) -> None:
    t = default_target(faulty)
    code, verifier = code_for(t)
    _arm(faulty, via, "clock_skew")
    why = refused(exchange(t, code, verifier), 401, "invalid_client")
    assert "rule exp-not-expired, fault clock_skew" in why
    assert _exchange_fresh(t).status_code == 200, "one-shot: the next request is normal again"


@pytest.mark.parametrize("via", ["python", "http"])
def test_fault_wrong_audience(faulty: Sandbox, via: str) -> None:
    t = default_target(faulty)
    code, verifier = code_for(t)
    _arm(faulty, via, "wrong_audience")
    assert "rule aud-accepted, fault wrong_audience" in refused(exchange(t, code, verifier), 401, "invalid_client")
    assert _exchange_fresh(t).status_code == 200


@pytest.mark.parametrize("via", ["python", "http"])
def test_fault_rotated_secret(faulty: Sandbox, via: str) -> None:
    t = default_target(faulty)
    code, verifier = code_for(t)
    _arm(faulty, via, "rotated_secret")
    assert "rule signature, fault rotated_secret" in refused(exchange(t, code, verifier), 401, "invalid_client")
    _arm(faulty, via, "rotated_secret")
    oauth_error(_worker_token(faulty), 401, "invalid_client")  # Basic secrets are checked against it too
    assert _worker_token(faulty).status_code == 200


@pytest.mark.parametrize("via", ["python", "http"])
def test_fault_expired_code(faulty: Sandbox, via: str) -> None:
    t = default_target(faulty)
    code, verifier = code_for(t)  # flows, resume: not the fault's target
    _arm(faulty, via, "expired_code")
    # Consumed only by redeeming a code: discovery and a client_credentials token leave it armed.
    assert requests.get(f"{faulty.issuer_url}/.well-known/openid-configuration", timeout=10).ok
    assert _worker_token(faulty).status_code == 200
    assert faulty.faults.armed[0]["fault"] == "expired_code"
    assert "fault expired_code" in refused(exchange(t, code, verifier), 400, "invalid_grant")
    assert faulty.faults.armed == []
    assert _exchange_fresh(t).status_code == 200


@pytest.mark.parametrize("via", ["python", "http"])
def test_fault_server_error(faulty: Sandbox, via: str) -> None:
    _arm(faulty, via, "server_error")
    r = requests.get(f"{faulty.issuer_url}/jwks", timeout=10)
    assert platform_error(r, 500, "UNEXPECTED_ERROR")["message"] == "An unexpected error occurred."
    assert requests.get(f"{faulty.issuer_url}/jwks", timeout=10).status_code == 200


@pytest.mark.parametrize("via", ["python", "http"])
def test_fault_unavailable(faulty: Sandbox, via: str) -> None:
    _arm(faulty, via, "unavailable", count=2)
    for _ in range(2):
        r = requests.get(f"{faulty.issuer_url}/jwks", timeout=10)
        platform_error(r, 503, "SERVICE_UNAVAILABLE")
        assert r.headers["Retry-After"] == "5"
    assert requests.get(f"{faulty.issuer_url}/jwks", timeout=10).status_code == 200


@pytest.mark.parametrize("via", ["python", "http"])
def test_fault_slow(faulty: Sandbox, via: str) -> None:
    _arm(faulty, via, "slow", delay=0.3)
    started = time.perf_counter()
    assert requests.get(f"{faulty.issuer_url}/jwks", timeout=10).status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_every_fault_is_tested() -> None:
    missing = {name for name in FAULTS if f"test_fault_{name}" not in globals()}
    assert not missing, f"faults without a test: {sorted(missing)}"


def test_fault_targets_one_endpoint(faulty: Sandbox) -> None:
    t = default_target(faulty)
    faulty.faults.inject("server_error", endpoint="token")
    assert requests.get(f"{faulty.issuer_url}/jwks", timeout=10).status_code == 200
    code, verifier = code_for(t)  # authorize, flows, resume all pass
    platform_error(exchange(t, code, verifier), 500, "UNEXPECTED_ERROR")
    assert _exchange_fresh(t).status_code == 200


def test_fault_switch_is_not_consumed_by_admin_or_health(faulty: Sandbox) -> None:
    faulty.faults.inject("server_error")
    assert requests.get(f"{faulty.base_url}/__sandbox/health", timeout=10).status_code == 200
    listed = requests.get(f"{faulty.base_url}/__sandbox/faults", headers=_admin(faulty), timeout=10).json()["armed"]
    assert listed == [{"fault": "server_error", "remaining": 1, "endpoint": "any", "delay": 3.0}]
    assert requests.delete(f"{faulty.base_url}/__sandbox/faults", headers=_admin(faulty), timeout=10).json() == {
        "armed": []
    }
    assert requests.get(f"{faulty.issuer_url}/jwks", timeout=10).status_code == 200


def test_fault_admin_route_validates(faulty: Sandbox) -> None:
    for body in ({"fault": "meteor"}, {"fault": "slow", "count": 0}, {"fault": "slow", "delay": 99}, [1]):
        r = requests.post(f"{faulty.base_url}/__sandbox/faults", json=body, headers=_admin(faulty), timeout=10)
        assert platform_error(r, 400, "INVALID_DATA")["details"][0]["target"] == "fault"
    r = _arm_http(faulty, "expired_code", endpoint="jwks")
    assert "cannot target" in platform_error(r, 400, "INVALID_DATA")["details"][0]["message"]
    assert faulty.faults.armed == []


def test_fault_admin_route_refuses_non_loopback(faulty: Sandbox) -> None:
    client = Client(faulty.app)
    for method in ("GET", "POST", "DELETE"):
        r = client.open(
            "/__sandbox/faults",
            method=method,
            json={"fault": "server_error"},
            environ_overrides={"REMOTE_ADDR": "192.0.2.7"},
        )
        assert r.status_code == 403 and r.json["code"] == "ACCESS_FAILED"
    assert faulty.faults.armed == []


def test_fault_python_api_validates(faulty: Sandbox) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        faulty.faults.inject("meteor")
    with pytest.raises(ValueError, match="count"):
        faulty.faults.inject("slow", count=0)
    with pytest.raises(ValueError, match="cannot target"):
        faulty.faults.inject("clock_skew", endpoint="userinfo")


def test_introspect_is_not_hit_by_token_faults(faulty: Sandbox) -> None:
    t = default_target(faulty)
    faulty.faults.inject("wrong_audience")
    url = f"{t.issuer}/introspect"
    r = post_form(url, {"token": "x", **csj_form(t, aud=url)})
    assert r.status_code == 200 and faulty.faults.armed[0]["fault"] == "wrong_audience"


def _arm(sb: Sandbox, via: str, fault: str, **extra: float) -> None:
    if via == "python":
        sb.faults.inject(fault, **extra)  # type: ignore[arg-type]
    else:
        r = _arm_http(sb, fault, **extra)
        assert r.status_code == 200 and r.json()["armed"][-1]["fault"] == fault


def test_a_leased_fault_the_request_did_not_reach_goes_back_in_its_place() -> None:
    """The dispatch leases what applies to a request; the checks it never reached re-arm theirs, in order."""
    from pinghelpers.sandbox.faults import FaultSwitch

    switch = FaultSwitch()
    switch.inject("expired_code")
    switch.inject("clock_skew", count=2)
    switch.inject("server_error")
    leased = switch.lease("token")  # one per check point: request, authorization_code, client_assertion
    assert {p: f.name for p, f in leased.items()} == {
        "authorization_code": "expired_code",
        "client_assertion": "clock_skew",
        "request": "server_error",
    }
    assert switch.armed == [{"fault": "clock_skew", "remaining": 1, "endpoint": "any", "delay": 3.0}]
    assert switch.lease("token").keys() == {"client_assertion"}, "a lease is taken: no one else gets it"
    used = leased.pop("client_assertion")  # the check that ran keeps its fault; the others go back
    assert used.name == "clock_skew"
    switch.give_back(leased.values())
    assert [f["fault"] for f in switch.armed] == ["expired_code", "server_error"]
    again = switch.lease("jwks")
    assert again.keys() == {"request"}, "token-only faults do not apply to other endpoints"
    switch.clear()
    switch.give_back(again.values())
    assert switch.armed == [], "a lease from before clear() is not re-armed"
