"""The probes behind :func:`pinghelpers.probe.probe`: one side (a client with a request budget), the steps.

Each step sends a documented request the way a learner's app would, and reduces the answer to an
:class:`Answer`: status, keys, error code and a few documented facts — what two servers can agree on. A side
carries what one step leaves for the next (the flow, the code, the tokens), so the two sides run independently:
when a step fails on one side, the steps after it say "skipped" there and the difference shows.
"""

from __future__ import annotations

import json
import secrets as _random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from requests.adapters import BaseAdapter

from .assertion import build_client_assertion
from .cassette import mask_text
from .client import PingOneClient
from .errors import PingHelpersError
from .http import send
from .jose import b64url_encode, split_compact
from .rules import CLIENT_ASSERTION_TYPE, METHOD_CLIENT_SECRET_JWT, RULES, USERNAME_PASSWORD_CHECK, auth_method
from .settings import Settings
from .timefmt import now as clock_now

__all__ = ["MAX_REQUESTS", "PROBES", "Answer", "ProbeBudgetExceeded", "Step"]

#: The most requests a probe run sends to the target (PingOne rate-limits per environment).
MAX_REQUESTS = 60
_NEEDS_USER = "needs PINGONE_USERNAME and PINGONE_PASSWORD (a test user) — not set"
_NOT_A_CODE = "probe-made-up-code-0000"
_ALG_NONE = b'{"typ":"JWT","alg":"none"}'


class ProbeBudgetExceeded(PingHelpersError):
    """The run would send more than :data:`MAX_REQUESTS` requests to the target."""


@dataclass(frozen=True)
class Answer:
    """One side's answer to a probe, reduced to what is compared (``status``, ``keys``, ``error``, ``facts``)
    plus a masked ``detail`` for people (never compared). ``skipped`` says why there is no answer."""

    status: int | None = None
    keys: tuple[str, ...] = ()
    error: str | None = None
    facts: tuple[str, ...] = ()
    detail: str = ""
    skipped: str | None = None

    def compared(self) -> tuple[Any, ...]:
        return (self.status, self.keys, self.error, self.facts, self.skipped is not None)

    def summary(self) -> str:
        if self.skipped:
            return f"skipped: {self.skipped}"
        parts = [f"HTTP {self.status}" if self.status is not None else "no HTTP answer"]
        if self.error:
            parts.append(f"error {self.error}")
        if self.keys:
            parts.append(f"keys {', '.join(self.keys)}" if len(self.keys) <= 6 else f"{len(self.keys)} keys")
        if self.facts:
            parts.append("; ".join(self.facts))
        return " · ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "keys": list(self.keys),
            "error": self.error,
            "facts": list(self.facts),
            "detail": self.detail,
            "skipped": self.skipped,
        }


# -- one side: a client, a request budget, the state the probes carry ------------------------------------------
class _Budget(BaseAdapter):
    """Wraps the session's transport: one request at a time, ``pause`` apart, at most ``limit``."""

    def __init__(self, inner: Any, side: _Side) -> None:
        super().__init__()
        self.inner, self.side = inner, side

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        side = self.side
        if side.sent >= side.limit:
            raise ProbeBudgetExceeded(
                f"the probe run would send more than {side.limit} requests to {side.name}",
                fix="this is a bug in the probe list; run fewer probes",
            )
        if side.sent and side.pause:
            time.sleep(side.pause)
        side.sent += 1
        response: requests.Response = self.inner.send(request, *args, **kwargs)
        return response

    def close(self) -> None:
        self.inner.close()


class _Side:
    def __init__(self, name: str, settings: Settings, *, limit: int, pause: float, hide: list[tuple[str, str]]):
        self.name, self.settings, self.limit, self.pause, self.hide = name, settings, limit, pause, hide
        self.sent = 0
        self.client = PingOneClient(settings)
        for prefix in ("http://", "https://"):
            self.client.session.mount(prefix, _Budget(self.client.session.get_adapter(prefix + "x"), self))
        self.state: dict[str, Any] = {}

    @property
    def has_user(self) -> bool:
        return bool(self.settings.username and self.settings.password is not None)

    def mask(self, text: str) -> str:
        return mask_text(text, secrets=self.hide)[:160]

    def answer(self, response: requests.Response, *, facts: tuple[str, ...] = ()) -> Answer:
        body: Any = None
        try:
            body = json.loads(response.content.decode("utf-8")) if response.content else None
        except (UnicodeDecodeError, ValueError):
            body = None
        keys: tuple[str, ...] = ()
        error = None
        detail = ""
        location = response.headers.get("Location")
        if response.status_code in (301, 302, 303) and location:
            query = dict(parse_qsl(urlsplit(location).query))
            keys = tuple(sorted(query))
            error = query.get("error")
            detail = self.mask(f"Location {location.split('?')[0]}?{'&'.join(keys)}")
        elif isinstance(body, dict):
            keys = tuple(sorted(body))
            error = body.get("error") if isinstance(body.get("error"), str) else None
            if error is None and isinstance(body.get("code"), str):
                codes = [str(d.get("code")) for d in body.get("details", []) if isinstance(d, dict)]
                error = "/".join([body["code"], *codes])
            detail = self.mask(str(body.get("error_description") or body.get("message") or ""))
        elif response.content:
            detail = self.mask(f"{response.headers.get('Content-Type', '?')} body")
        return Answer(status=response.status_code, keys=keys, error=error, facts=facts, detail=detail)


# -- the probes ---------------------------------------------------------------------------------------------
Step = Callable[[_Side], Answer]


def _get(side: _Side, url: str, what: str, **kwargs: Any) -> requests.Response:
    return send(side.client.session, "GET", url, timeout=side.client.timeout, what=what, **kwargs)


def _discovery(side: _Side) -> Answer:
    response = _get(side, side.client.endpoints.discovery_url, "the discovery document")
    doc = json.loads(response.content) if response.status_code == 200 else {}
    facts = (
        f"client_secret_jwt listed: {'client_secret_jwt' in doc.get('token_endpoint_auth_methods_supported', [])}",
        f"ID tokens RS256: {'RS256' in doc.get('id_token_signing_alg_values_supported', [])}",
        f"PKCE S256: {'S256' in doc.get('code_challenge_methods_supported', [])}",
    )
    side.state["jwks_uri"] = doc.get("jwks_uri") or side.client.endpoints.jwks_uri
    return side.answer(response, facts=facts)


def _jwks(side: _Side) -> Answer:
    response = _get(side, str(side.state.get("jwks_uri") or side.client.endpoints.jwks_uri), "the JWKS")
    doc = json.loads(response.content) if response.status_code == 200 else {}
    keys = [k for k in doc.get("keys", []) if isinstance(k, dict)]
    fields = sorted({name for k in keys for name in k})
    kinds = sorted({f"{k.get('kty')}/{k.get('alg', '-')}/{k.get('use', '-')}" for k in keys})
    return side.answer(response, facts=(f"key fields {', '.join(fields)}", f"keys {', '.join(kinds)}"))


def _authorize_url(side: _Side, **override: str) -> str:
    request = side.client.authorization_request()
    params = {**request.params, **override}
    side.state["request"] = request
    return f"{side.client.endpoints.authorization_endpoint}?{urlencode(params)}"


def _unknown_client(side: _Side) -> Answer:
    return side.answer(_get(side, _authorize_url(side, client_id=str(uuid.uuid4())), "authorize, unknown client"))


def _unregistered_redirect(side: _Side) -> Answer:
    url = _authorize_url(side, redirect_uri="https://unregistered.example.com/callback")
    return side.answer(_get(side, url, "authorize, unregistered redirect URI"))


def _start_flow(side: _Side) -> dict[str, Any] | None:
    """authorize → 302 to the sign-on page → GET the flow (2 requests). None when this is not PingOne's flow."""
    response = _get(side, _authorize_url(side), "the authorize request")
    query = dict(parse_qsl(urlsplit(response.headers.get("Location", "")).query))
    flow_id = query.get("flowId")
    side.state["direct_code"] = query.get("code")
    side.state["authorize"] = side.answer(response)
    if not flow_id or side.client.endpoints.flows_base is None:
        return None
    got = _get(side, side.client.endpoints.flow_url(flow_id), "reading the flow")
    flow = json.loads(got.content) if got.status_code == 200 else None
    return flow if isinstance(flow, dict) else None


def _check_password(side: _Side, password: str, *, good: bool = False) -> Answer:
    flow = _start_flow(side)
    if flow is None:
        first: Answer = side.state["authorize"]
        if good and side.state.get("direct_code"):
            side.state["code"] = side.state["direct_code"]  # no sign-on step: the code came with authorize
        return Answer(
            status=first.status,
            keys=first.keys,
            error=first.error,
            facts=("no flows API flow: authorize did not lead to a PingOne sign-on flow",),
            detail=first.detail,
        )
    href = (flow.get("_links", {}).get("usernamePassword.check") or {}).get("href")
    url = href or side.client.endpoints.flow_url(str(flow.get("id")))
    response = send(
        side.client.session,
        "POST",
        url,
        timeout=side.client.timeout,
        what="the username/password check",
        data=json.dumps({"username": side.settings.username, "password": password}),
        headers={"Content-Type": USERNAME_PASSWORD_CHECK, "Accept": "*/*"},
    )
    answer = side.answer(response)
    status = None
    if response.status_code == 200:
        body = json.loads(response.content)
        status = body.get("status")
        side.state["flow"] = body
    return Answer(answer.status, answer.keys, answer.error, (f"flow status {status}",), answer.detail)


def _wrong_password(side: _Side) -> Answer:
    return _check_password(side, "Not-The-Password-" + _random.token_urlsafe(6))


def _good_password(side: _Side) -> Answer:
    password = side.settings.password
    return _check_password(side, password.reveal() if password is not None else "", good=True)


def _resume(side: _Side) -> Answer:
    flow = side.state.get("flow")
    if not flow or flow.get("status") != "COMPLETED":
        if side.state.get("code"):
            return Answer(skipped="no sign-on flow on this side: authorize answered with the code itself")
        return Answer(skipped="no completed sign-on flow to resume on this side")
    url = flow.get("resumeUrl") or f"{side.client.endpoints.resume_endpoint}?{urlencode({'flowId': flow.get('id')})}"
    response = _get(side, url, "the resume request")
    query = dict(parse_qsl(urlsplit(response.headers.get("Location", "")).query))
    side.state["code"] = query.get("code")
    return side.answer(response)


def _token_form(side: _Side, code: str) -> dict[str, str]:
    request = side.state.get("request")
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": str(side.settings.redirect_uri)}
    if request is not None and request.code_verifier:
        form["code_verifier"] = request.code_verifier
    return form


def _token_answer(side: _Side, response: requests.Response) -> Answer:
    answer = side.answer(response)
    body = json.loads(response.content) if response.status_code == 200 else {}
    facts = (f"token_type {body.get('token_type')}",) if body else ()
    return Answer(answer.status, answer.keys, answer.error, facts, answer.detail)


def _exchange(side: _Side) -> Answer:
    code = side.state.get("code")
    if not code:
        return Answer(skipped="no authorization code on this side (resume gave none)")
    response = send(
        side.client.session,
        "POST",
        side.client.endpoints.token_endpoint,
        timeout=side.client.timeout,
        what="the token request",
        data=_token_form(side, code),
        auth=side.client.auth,
    )
    if response.status_code == 200:
        side.state["tokens"] = json.loads(response.content)
    return _token_answer(side, response)


def _code_replay(side: _Side) -> Answer:
    code = side.state.get("code")
    if not code or "tokens" not in side.state:
        return Answer(skipped="no code was exchanged on this side")
    response = send(
        side.client.session,
        "POST",
        side.client.endpoints.token_endpoint,
        timeout=side.client.timeout,
        what="the token request (the same code again)",
        data=_token_form(side, code),
        auth=side.client.auth,
    )
    return _token_answer(side, response)


def _with_token(side: _Side, name: str = "access_token") -> str | None:
    tokens = side.state.get("tokens") or {}
    value = tokens.get(name)
    return str(value) if value else None


def _userinfo(side: _Side) -> Answer:
    token = _with_token(side)
    if token is None:
        return Answer(skipped="no access token on this side")
    url = side.client.endpoints.userinfo_endpoint or f"{side.client.endpoints.issuer}/userinfo"
    return side.answer(_get(side, url, "the userinfo request", headers={"Authorization": f"Bearer {token}"}))


def _token_call(side: _Side, url: str | None, token: str, what: str) -> requests.Response:
    return send(
        side.client.session,
        "POST",
        str(url),
        timeout=side.client.timeout,
        what=what,
        data={"token": token},
        auth=side.client.auth,
    )


def _introspect(side: _Side) -> Answer:
    token = _with_token(side)
    if token is None:
        return Answer(skipped="no access token on this side")
    response = _token_call(side, side.client.endpoints.introspection_endpoint, token, "the introspection request")
    body = json.loads(response.content) if response.status_code == 200 else {}
    answer = side.answer(response)
    return Answer(answer.status, answer.keys, answer.error, (f"active {body.get('active')}",), answer.detail)


def _revoke(side: _Side) -> Answer:
    """Revoke the access token, then introspect it: RFC 7009 says 200 either way; is it then inactive?"""
    token = _with_token(side)
    if token is None:
        return Answer(skipped="no access token on this side")
    revoked = _token_call(side, side.client.endpoints.revocation_endpoint, token, "the revocation request")
    after = _token_call(side, side.client.endpoints.introspection_endpoint, token, "introspect after revoke")
    body = json.loads(after.content) if after.status_code == 200 else {}
    answer = side.answer(revoked)
    facts = (f"introspect after revoke: HTTP {after.status_code}, active {body.get('active')}",)
    return Answer(answer.status, answer.keys, answer.error, facts, answer.detail)


def _signoff(side: _Side) -> Answer:
    id_token = _with_token(side, "id_token")
    if id_token is None:
        return Answer(skipped="no ID token on this side")
    url = side.client.endpoints.end_session_endpoint or f"{side.client.endpoints.issuer}/signoff"
    return side.answer(_get(side, f"{url}?{urlencode({'id_token_hint': id_token})}", "the signoff request"))


# -- CLIENT_SECRET_JWT rules, each broken alone ----------------------------------------------------------------
def _resign(side: _Side, claims: dict[str, Any], header: dict[str, Any] | None = None, key: str | None = None) -> str:
    import jwt

    secret = key or (side.settings.client_secret.reveal() if side.settings.client_secret else "")
    head = {"typ": "JWT", "alg": "HS256", **(header or {})}
    return jwt.encode(claims, secret, algorithm="HS256", headers=head, sort_headers=False)


def _broken(rule_id: str, side: _Side) -> tuple[str, str]:
    """(client_assertion, client_assertion_type) with only ``rule_id`` broken; the rest built by the builder."""
    s = side.settings
    audience = side.client.endpoints.token_endpoint
    good = build_client_assertion(str(s.client_id), s.client_secret or "", audience, algorithm=s.assertion_alg)
    claims = dict(good.claims)
    now = int(clock_now())
    if rule_id == "compact-jws":
        return "not-a-compact-jws", CLIENT_ASSERTION_TYPE
    if rule_id == "assertion-type":
        return good.token, "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"
    if rule_id == "alg-allowed":  # alg "none": nothing signs it
        _, payload, _ = split_compact(good.token)
        return f"{b64url_encode(_ALG_NONE)}.{payload}.", CLIENT_ASSERTION_TYPE
    if rule_id == "signature":
        return _resign(side, claims, key="not-the-client-secret-" + "x" * 48), CLIENT_ASSERTION_TYPE
    if rule_id == "crit-understood":  # RFC 7515 §4.1.11: a critical header extension nobody understands
        return _resign(side, claims, header={"crit": ["x-unknown"], "x-unknown": True}), CLIENT_ASSERTION_TYPE
    if rule_id in ("iss-is-client-id", "sub-is-client-id"):
        claims[rule_id[:3]] = str(uuid.uuid4())
    elif rule_id == "aud-accepted":
        claims["aud"] = "https://not-this-issuer.example.com/as/token"
    elif rule_id == "exp-present":
        claims.pop("exp")
    elif rule_id == "exp-not-expired":
        claims["exp"] = now - 600
    elif rule_id == "exp-within-one-hour":
        claims["exp"] = now + 7200
    elif rule_id == "nbf-not-future":
        claims["nbf"] = now + 600
    else:
        raise KeyError(rule_id)
    return _resign(side, claims), CLIENT_ASSERTION_TYPE


def _rule_probe(rule_id: str) -> Step:
    def run(side: _Side) -> Answer:
        if auth_method(side.settings.auth_method).name != METHOD_CLIENT_SECRET_JWT:
            return Answer(skipped="the app does not use CLIENT_SECRET_JWT (only its own auth method is probed)")
        assertion, kind = _broken(rule_id, side)
        form = {
            "grant_type": "authorization_code",
            "code": _NOT_A_CODE,  # a made-up code: nothing real is spent; invalid_grant means the assertion passed
            "redirect_uri": str(side.settings.redirect_uri),
            "client_id": str(side.settings.client_id),
            "client_assertion": assertion,
            "client_assertion_type": kind,
        }
        response = send(
            side.client.session,
            "POST",
            side.client.endpoints.token_endpoint,
            timeout=side.client.timeout,
            what=f"the token request, rule {rule_id} broken",
            data=form,
        )
        return side.answer(response)

    return run


_RULE_NOTES = "the troubleshooting lab (notebook 7) shows the local sandbox's answer to this broken rule"
PROBES: tuple[tuple[str, Step, bool, str], ...] = (
    # (name, step, needs the test user, what a difference means for the workbook)
    ("discovery document", _discovery, False, "notebook 1 shows the discovery document; fields or methods differ"),
    ("JWKS", _jwks, False, "notebook 6 verifies signatures with these keys; their shape differs"),
    ("authorize: unknown client", _unknown_client, False, "notebook 3's error examples read differently live"),
    (
        "authorize: unregistered redirect URI",
        _unregistered_redirect,
        False,
        "notebook 3/7: a wrong redirect URI is refused differently live",
    ),
    ("flows API: wrong password", _wrong_password, True, "notebook 4's wrong-password answer differs live"),
    ("flows API: good password", _good_password, True, "notebook 4's headless sign-on takes another path live"),
    ("resume", _resume, True, "notebook 4 reads the code from resume's redirect; it differs live"),
    ("token: good assertion", _exchange, True, "notebook 5's token response differs live"),
    ("userinfo", _userinfo, True, "notebook 6's userinfo call differs live"),
    ("introspect", _introspect, True, "notebook 6's introspection answer differs live"),
    ("revoke, then introspect", _revoke, True, "notebook 6's revoke lesson (RFC 7009) reads differently live"),
    ("token: code replay", _code_replay, True, "notebook 5/7: a replayed code is refused differently live"),
    ("signoff", _signoff, True, "notebook 6's signoff step differs live"),
    *(
        (f"token: rule {rule_id} broken", _rule_probe(rule_id), False, f"{_RULE_NOTES} ({rule_id}); live differs")
        for rule_id in RULES
    ),
)
