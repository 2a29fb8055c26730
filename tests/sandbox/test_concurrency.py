"""One process serves a class: many learners' flows at once, and no race on single-use state."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import requests

from pinghelpers.sandbox import Sandbox

from .conftest import CSJ_ID, SECRETS, target
from .flow import Target, code_for, csj_form, exchange, post_form

LEARNERS = 16
FLOWS_EACH = 3


def _learner(t: Target, username: str, start: threading.Barrier) -> list[dict[str, Any]]:
    start.wait(timeout=30)  # everyone starts together
    s = requests.Session()
    results = []
    for _ in range(FLOWS_EACH):
        code, verifier = code_for(t, s, username=username, prompt="login", scope="openid profile")
        r = exchange(t, code, verifier)
        assert r.status_code == 200, r.text
        tokens = r.json()
        refreshed = post_form(
            t.token_url, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], **csj_form(t)}
        )
        assert refreshed.status_code == 200, refreshed.text
        results.append({"code": code, **tokens, "refreshed": refreshed.json()})
    return results


def test_many_learners_run_full_flows_at_once(classroom: Sandbox) -> None:
    t = target(classroom, CSJ_ID)
    start = threading.Barrier(LEARNERS)
    users = ["learner" if i % 2 else "second" for i in range(LEARNERS)]
    with ThreadPoolExecutor(LEARNERS) as pool:
        futures = [pool.submit(_learner, t, users[i], start) for i in range(LEARNERS)]
        per_learner = [f.result(timeout=60) for f in futures]
    env = classroom.issuer.environments[classroom.env_id]
    ids = {u.username: u.id for u in env.users.values()}
    flows = [flow for results in per_learner for flow in results]
    assert len(flows) == LEARNERS * FLOWS_EACH
    assert len({f["code"] for f in flows}) == len(flows), "every code is unique"
    assert len({f["access_token"] for f in flows} | {f["refreshed"]["access_token"] for f in flows}) == 2 * len(flows)
    for username, results in zip(users, per_learner, strict=True):
        for flow in results:
            # Nobody received somebody else's identity.
            claims = jwt.decode(flow["id_token"], options={"verify_signature": False})
            assert claims["sub"] == ids[username] and claims["preferred_username"] == username


def test_a_code_raced_by_many_threads_is_redeemed_once(classroom: Sandbox) -> None:
    t = target(classroom, CSJ_ID)
    code, verifier = code_for(t)
    start = threading.Barrier(12)

    def attempt() -> int:
        start.wait(timeout=30)
        return exchange(t, code, verifier).status_code

    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda _: attempt(), range(12)))
    assert sorted(statuses) == [200] + [400] * 11


def test_a_refresh_token_raced_by_many_threads_rotates_once(classroom: Sandbox) -> None:
    t = target(classroom, CSJ_ID)
    code, verifier = code_for(t)
    rt = exchange(t, code, verifier).json()["refresh_token"]
    start = threading.Barrier(12)

    def attempt() -> int:
        start.wait(timeout=30)
        form = {"grant_type": "refresh_token", "refresh_token": rt, **csj_form(t)}
        return post_form(t.token_url, form).status_code

    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda _: attempt(), range(12)))
    assert statuses.count(200) == 1 and statuses.count(400) == 11


def test_worker_tokens_in_parallel(classroom: Sandbox) -> None:
    def one(_: int) -> str:
        r = post_form(
            classroom.token_endpoint,
            {"grant_type": "client_credentials"},
            auth=(classroom.worker_id, SECRETS[classroom.worker_id]),
        )
        assert r.status_code == 200, r.text
        token: str = r.json()["access_token"]
        return token

    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(one, range(24)))
    assert len(set(tokens)) == 24
