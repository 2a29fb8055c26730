"""pinghelpers.display: pure data → HTML (no kernel), and the widget forms driven kernel-side like a click."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from pinghelpers import Settings, build_client_assertion
from pinghelpers.display import (
    ExerciseCheck,
    RedirectForm,
    SignOnForm,
    TargetForm,
    callout_html,
    check_exercise,
    checks_html,
    discovery_html,
    flow_html,
    http_response_html,
    jwt_parts_html,
    masked_body,
    params_html,
    table_html,
    timeline_html,
    token_response_html,
)
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import Sandbox

NOW = 1_800_000_000
SECRET = "TEST-ONLY-display-secret-0123456789abcdefghijklmnopqrstuvwxyzABCD"


# -- pure HTML ---------------------------------------------------------------------------------------------


def test_jwt_parts_are_coloured_and_the_signature_can_be_masked() -> None:
    token = build_client_assertion("client", SECRET, "https://x/as/token", now=NOW).token
    html = jwt_parts_html(token)
    header, payload, signature = token.split(".")
    assert f"color:#cf222e'>{header}<" in html and f"color:#8250df'>{payload}<" in html
    assert signature in html
    masked = jwt_parts_html(token, mask_signature=True)
    assert signature not in masked and "••••" in masked


def test_timeline_marks_an_exp_beyond_one_hour_in_red() -> None:
    fine = timeline_html({"exp": NOW + 300}, now=NOW)
    too_far = timeline_html({"exp": NOW + 7200}, now=NOW)
    assert "exp (+300s)" in fine and "color:#cf222e'>&nbsp;exp" not in fine
    assert "color:#cf222e'>&nbsp;exp (+7200s)" in too_far
    assert "now + 1h (PingOne limit) (+3600s)" in fine


def test_timeline_for_issued_tokens_has_no_assertion_limit() -> None:
    html = timeline_html({"iat": NOW, "exp": NOW + 3600, "auth_time": NOW - 5}, now=NOW, limit=None, now_label="Date")
    assert "PingOne limit" not in html and "Date (+0s)" in html and "auth_time (-5s)" in html
    assert "color:#cf222e'>&nbsp;exp" not in html
    expired = timeline_html({"exp": NOW - 10}, now=NOW, limit=None)
    assert "color:#cf222e'>&nbsp;exp (-10s)" in expired


def test_tables_escape_their_cells() -> None:
    html = table_html([("<script>alert(1)</script>", {"a": 1})], ("k", "v"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "{&quot;a&quot;: 1}" in html


def test_discovery_puts_known_fields_first_with_their_purpose() -> None:
    doc = {"zz_custom": True, "token_endpoint": "https://x/as/token", "issuer": "https://x/as"}
    html = discovery_html(doc)
    assert html.index("issuer") < html.index("token_endpoint") < html.index("zz_custom")
    assert "where the client assertion is sent" in html


def test_params_table_names_the_rule() -> None:
    html = params_html({"state": "abc", "unknown_param": "1"})
    assert "RFC 6749 §10.12" in html and "unknown_param" in html


def test_http_response_masks_cookie_values() -> None:
    html = http_response_html(
        302, {"Location": "https://x/signon/?flowId=1", "Set-Cookie": "ST=session-value; Path=/env"}
    )
    assert "HTTP/1.1 302" in html and "Location: https://x/signon/?flowId=1" in html
    assert "session-value" not in html and "ST=••••••••; Path=/env" in html


def test_flow_html_lists_actions_and_user() -> None:
    flow = {
        "id": "f1",
        "status": "USERNAME_PASSWORD_REQUIRED",
        "_links": {"self": {"href": "s"}, "usernamePassword.check": {"href": "s"}},
        "_embedded": {"user": {"username": "learner"}},
    }
    html = flow_html(flow)
    assert "usernamePassword.check" in html and ">self<" not in html and "learner" in html


def test_checks_and_exercises_show_their_verdict() -> None:
    html = checks_html([("iss", True, "ok"), ("nonce", False, "differs"), ("at_hash", None, "absent")])
    assert html.count("✔") == 1 and html.count("✘") == 1 and html.count("–") == 1
    passed = check_exercise(True, success="well done", hint="look again")
    failed = check_exercise(False, success="well done", hint="look again")
    assert isinstance(passed, ExerciseCheck) and passed and not failed
    assert repr(passed) == "✔ Correct: well done" and repr(failed) == "✘ Not yet: look again"
    assert "#1a7f37" in passed._repr_html_() and "#9a6700" in failed._repr_html_()
    assert "&lt;b&gt;" in callout_html("<b>", kind="error")


class _Response:
    def __init__(self, status: int, body: object) -> None:
        self.status, self.body, self.decoded, self.error = status, body, {}, None


def test_token_response_masks_the_refresh_token_but_shows_jwts() -> None:
    body = {"access_token": "eyJh.eyJi.c2ln", "refresh_token": "r" * 64, "expires_in": 3600}
    html = token_response_html(_Response(200, body))
    assert "r" * 64 not in html and "(64 characters, masked)" in html
    assert "eyJh.eyJi.c2ln" in html and "HTTP 200" in html
    assert masked_body(["not", "a", "dict"]) == ["not", "a", "dict"]


# -- the forms, driven like a click -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local() -> Iterator[Sandbox]:
    with Sandbox(client_secret=SECRET) as sb:
        yield sb


def test_target_form_hides_the_secret_and_checks_settings(local: Sandbox) -> None:
    form = TargetForm(sandbox_settings(local))
    text = repr(form) + repr(form.widget) + str(form._repr_mimebundle_().get("text/plain", ""))
    assert SECRET not in text
    form.button.click()
    assert form.error is None and form.result is not None
    assert form.result.endpoints().token_endpoint.endswith("/as/token")
    assert SECRET not in form.status.value


def test_target_form_explains_a_bad_environment_id(local: Sandbox) -> None:
    form = TargetForm(sandbox_settings(local))
    form.where.value, form.env_id.value = "EU", "not-a-uuid"
    form.button.click()
    assert form.result is None and form.error is not None
    assert "Not valid" in form.status.value and "not-a-uuid" in form.status.value


def test_target_form_builds_region_urls_without_a_request() -> None:
    settings = Settings(env_id="3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c", region="EU", client_id="c")
    form = TargetForm(settings)
    assert form.where.value == "EU"
    form.button.click()
    assert "https://auth.pingone.eu/3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c/as/token" in form.status.value


def test_sign_on_form_completes_the_flow_and_reports_a_wrong_password(local: Sandbox) -> None:
    from pinghelpers import PingOneClient

    settings = sandbox_settings(local)
    with PingOneClient(settings) as client:
        flow = client.start_authorization(client.authorization_request())
        wrong = SignOnForm(client, flow, username=settings.username or "", password="not-the-password")
        wrong.button.click()
        assert wrong.error is not None and "Refused" in wrong.status.value
        assert "not-the-password" not in repr(wrong.widget)
        form = SignOnForm(client, flow, username=settings.username or "", password=settings.password)
        form.button.click()
        assert form.error is None and form.flow.status == "COMPLETED"
        assert re.search(r"COMPLETED", form.status.value)


def test_exchange_form_sends_the_optional_scope(local: Sandbox) -> None:
    """PingOne's Step 4 sends scope with the code; the form's optional Scope field does (issue 13, item 8)."""
    from pinghelpers import PingOneClient
    from pinghelpers.display.forms import ExchangeForm

    settings = sandbox_settings(local)
    with PingOneClient(settings) as client:
        request = client.authorization_request(scope="openid profile email")
        result = client.sign_on(request)
    form = ExchangeForm(settings, code=result.code, code_verifier=request.code_verifier, scope="openid")
    form.button.click()
    assert form.error is None and form.result.ok and form.result.body["scope"] == "openid"


def test_redirect_form_reads_the_code_and_refuses_a_forged_state() -> None:
    form = RedirectForm(expected_state="s1", url="https://app.example.com/callback?code=abc&state=s1")
    form.button.click()
    assert form.code == "abc" and form.error is None
    form.url.value = "https://app.example.com/callback?code=abc&state=forged"
    form.button.click()
    assert form.code is None and form.error is not None and "state" in form.status.value
