"""Property-based fuzzing: malformed input never gets a 5xx, a hang, or an undocumented exception.

* The JWT inspector (``decode_unverified``, ``inspect_jwt``) and the assertion checker (``check_assertion``)
  get malformed tokens: structurally broken strings, and well-formed ones whose header/claims hold the wrong
  JSON types (NaN, Infinity, 400-digit numbers, lists, nested objects). They return a result or raise a
  :class:`~pinghelpers.PingHelpersError` (``TokenValidationError``) — nothing else, and never a crash.
* Every route of the sandbox (read from its route table at run time, so new endpoints are fuzzed too) gets
  malformed paths, query strings, form bodies, JSON bodies, headers and content types — in process through
  WSGI (fast, many cases) and over real HTTP on loopback (fewer), including raw garbage on the socket. No
  answer is 5xx, none carries a traceback, and the server keeps serving (health check after).

Profiles (``PINGHELPERS_FUZZ_PROFILE``): ``ci`` (default, derandomized, bounded for ``make test``) and
``long`` (``make fuzz``: many more cases, random seed printed by Hypothesis on failure).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import string
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from pinghelpers import (
    CLIENT_ASSERTION_TYPE,
    PingHelpersError,
    TokenValidationError,
    check_assertion,
    decode_unverified,
    inspect_jwt,
)
from pinghelpers.rules import Checklist
from pinghelpers.sandbox import Sandbox

from ..conftest import MARKER_SECRET
from .conftest import FIGURES

settings.register_profile(
    "ci",
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=5000,  # generous: the machine is shared; a hang is caught by this and by pytest-timeout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "long",
    max_examples=4000,
    deadline=10000,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROFILE = os.environ.get("PINGHELPERS_FUZZ_PROFILE", "ci")
settings.load_profile(PROFILE)
HTTP_SHARE = 0.4  # over real sockets, run this share of the in-process example count (they are ~5× slower)

CASES: dict[str, int] = {}


def _count(name: str) -> None:
    CASES[name] = CASES.get(name, 0) + 1


# -- strategies ----------------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


odd_numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.just(10**400),
    st.floats(allow_nan=True, allow_infinity=True),
)
json_scalars = st.one_of(st.none(), st.booleans(), odd_numbers, st.text(max_size=40))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
AUD = "https://auth.example.com/env/as/token"
client_ids = st.one_of(st.just("app-1"), json_values)
times = st.one_of(odd_numbers, json_values)
claims_objects = st.fixed_dictionaries(
    {},
    optional={
        "iss": client_ids,
        "sub": client_ids,
        "aud": st.one_of(st.just(AUD), st.lists(st.one_of(st.just(AUD), json_values), max_size=3), json_values),
        "exp": times,
        "nbf": times,
        "iat": times,
        "jti": json_values,
    },
)
headers_objects = st.fixed_dictionaries(
    {},
    optional={
        "alg": st.one_of(
            st.sampled_from(["HS256", "HS384", "HS512", "RS256", "none", "NONE", "", "ES256"]), json_values
        ),
        "typ": json_values,
        "kid": json_values,
    },
)


def _encode_json(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8")


part = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + "-_", max_size=60),  # base64url-ish noise
    st.text(max_size=30),  # anything (unicode, dots, whitespace)
    json_values.map(lambda v: _b64(_encode_json(v))),  # base64url of any JSON, object or not
    st.binary(max_size=40).map(_b64),  # base64url of bytes that are not UTF-8 JSON
)
structured_tokens = st.builds(
    lambda h, c, s: f"{_b64(_encode_json(h))}.{_b64(_encode_json(c))}.{s}",
    headers_objects,
    claims_objects,
    st.one_of(st.just(""), st.binary(max_size=64).map(_b64)),
)
broken_tokens = st.one_of(
    st.lists(part, min_size=0, max_size=5).map(".".join),
    st.text(max_size=200),
)
tokens = st.one_of(structured_tokens, broken_tokens)


# -- the library ---------------------------------------------------------------------------------------------
@given(token=tokens)
def test_decode_unverified_returns_or_raises_token_validation_error(token: str) -> None:
    _count("decode_unverified")
    try:
        decoded = decode_unverified(token)
    except TokenValidationError as exc:
        assert exc.claim == "format" and exc.fix
        return
    # What came back must also display without failing (it is shown in notebooks).
    assert isinstance(decoded.header, dict) and isinstance(decoded.claims, dict)
    repr(decoded)
    decoded._repr_html_()
    decoded.times()


@given(token=tokens)
def test_inspect_jwt_never_raises_for_a_bad_signature(token: str) -> None:
    _count("inspect_jwt")
    try:
        result = inspect_jwt(token, secret=MARKER_SECRET, audience="https://x/as/token")
    except TokenValidationError:
        return  # documented: not a JWT at all
    assert result.verified in (True, False, None)
    assert MARKER_SECRET not in repr(result) + result._repr_html_()


@given(token=tokens, assertion_type=st.one_of(st.none(), st.just(CLIENT_ASSERTION_TYPE), st.text(max_size=20)))
def test_check_assertion_always_returns_a_checklist(token: str, assertion_type: str | None) -> None:
    _count("check_assertion")
    checklist = check_assertion(
        token,
        client_id="app-1",
        audiences=[AUD],
        secret=MARKER_SECRET,
        assertion_type=assertion_type,
        now=1_800_000_000,
    )
    assert isinstance(checklist, Checklist)
    assert checklist.ok is False or checklist.first_failure is None
    text = str(checklist) + repr(checklist) + checklist._repr_html_()
    assert MARKER_SECRET not in text


@given(value=st.one_of(st.none(), st.integers(), st.binary(max_size=10), st.lists(st.text(max_size=3), max_size=3)))
def test_non_string_tokens_get_a_documented_error(value: Any) -> None:
    _count("non-string tokens")
    with pytest.raises(PingHelpersError):
        decode_unverified(value)
    assert check_assertion(value, client_id="a", audiences="https://x", secret=MARKER_SECRET).ok is False


# -- the sandbox, in process (WSGI) ----------------------------------------------------------------------------
segment = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", ".", "..", "%00", "%2F", "as", "flows", "token", "\u202e", "a" * 300, "{envID}"]),
)
METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/json",
            "application/vnd.pingidentity.usernamePassword.check+json",
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded; charset=utf-16",
            "application/json; charset=latin-1",
            "",
        ]
    ),
    st.text(max_size=30),
)
FIELD_NAMES = st.one_of(
    st.sampled_from(
        [
            "grant_type",
            "code",
            "redirect_uri",
            "code_verifier",
            "client_id",
            "client_secret",
            "client_assertion",
            "client_assertion_type",
            "response_type",
            "scope",
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method",
            "response_mode",
            "prompt",
            "flowId",
            "username",
            "password",
            "token",
            "token_type_hint",
            "refresh_token",
            "fault",
            "count",
            "delay",
        ]
    ),
    st.text(max_size=10),
)
FIELD_VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["authorization_code", "refresh_token", "client_credentials", "code", "pi.flow", "S256", "plain"]),
    tokens,
)
fields = st.dictionaries(FIELD_NAMES, FIELD_VALUES, max_size=7)
bodies = st.one_of(
    st.none(),
    fields.map(urlencode),
    json_values.map(lambda v: json.dumps(v, allow_nan=True)),
    fields.map(json.dumps),
    st.binary(max_size=200),
)
HEADER_NAMES = st.sampled_from(["Authorization", "Cookie", "Accept", "X-Forwarded-For", "Origin", "X-Test"])
HEADER_VALUES = st.one_of(
    st.sampled_from(["Basic", "Basic !!!", "Basic " + _b64(b"a:b"), "Bearer ", "Bearer x.y.z", "ST=abc", "*/*"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
    tokens.map(lambda t: f"Bearer {t}"),
)


def _route_paths(sandbox: Sandbox) -> list[str]:
    """Every rule in the sandbox's route table, as a template with its converters left to fill."""
    return sorted({rule.rule for rule in sandbox.app.url_map.iter_rules()})


@st.composite
def requests_for(draw: st.DrawFn, sandbox: Sandbox, flow_ids: list[str]) -> dict[str, Any]:
    template = draw(st.sampled_from([*_route_paths(sandbox), "/<anything>", "/<anything>/<anything>"]))
    path = template
    while "<" in path:
        start, end = path.index("<"), path.index(">")
        name = path[start + 1 : end]
        if name == "env_id":
            value = draw(st.one_of(st.just(sandbox.env_id), segment))
        elif name == "flow_id":
            value = draw(st.one_of(st.sampled_from(flow_ids), segment))
        else:
            value = draw(st.one_of(st.just(sandbox.env_id), st.just(sandbox.client_id), segment))
        path = path[:start] + quote(value, safe="") + path[end + 1 :]
    query = draw(st.one_of(st.just(""), fields.map(urlencode), st.text(max_size=40).map(lambda t: quote(t, safe="=&"))))
    headers = draw(st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=3))
    ctype = draw(CONTENT_TYPES)
    if ctype:
        headers["Content-Type"] = ctype
    # A header value cannot carry CR/LF on the wire (clients refuse to send it), so fold them to spaces.
    headers = {k: "".join(" " if c in "\r\n\x00" else c for c in v) for k, v in headers.items()}
    return {"method": draw(METHODS), "path": path, "query": query, "body": draw(bodies), "headers": headers}


def _assert_sane(status: int, body: bytes, what: str) -> None:
    assert status < 500, f"{what} → {status}: {body[:300]!r}"
    assert b"Traceback" not in body and b'File "' not in body, f"{what} leaked a traceback"
    assert MARKER_SECRET.encode() not in body


@pytest.fixture(scope="module")
def flow_ids(rsandbox: Sandbox) -> list[str]:
    """Live flows for the fuzzer to poke at (so the flows/resume/sign-on handlers get past their 404)."""
    ids = []
    for _ in range(3):
        r = requests.get(
            f"{rsandbox.issuer_url}/authorize",
            params={
                "response_type": "code",
                "client_id": rsandbox.client_id,
                "redirect_uri": rsandbox.redirect_uri,
                "response_mode": "pi.flow",
                "scope": "openid",
            },
            timeout=10,
        )
        ids.append(r.json()["id"])
    return ids


@pytest.fixture(scope="module")
def wsgi(rsandbox: Sandbox) -> Client:
    return Client(rsandbox.app)


def _clean_faults(sandbox: Sandbox) -> bool:
    """Clear any fault the fuzzer armed through /__sandbox/faults; True when one was armed."""
    armed = bool(sandbox.faults.armed)
    sandbox.faults.clear()
    return armed


def test_fuzz_sandbox_routes_are_known(rsandbox: Sandbox) -> None:
    paths = _route_paths(rsandbox)
    for needed in ("/as/token", "/as/authorize", "/flows/", "/as/resume", "/as/jwks", "/__sandbox/health"):
        assert any(needed in p for p in paths), needed
    FIGURES["sandbox routes fuzzed"] = len(paths)


@given(data=st.data())
def test_fuzz_sandbox_in_process(rsandbox: Sandbox, wsgi: Client, flow_ids: list[str], data: st.DataObject) -> None:
    req = data.draw(requests_for(rsandbox, flow_ids))
    _count("sandbox (WSGI)")
    faulted = bool(rsandbox.faults.armed)
    response = wsgi.open(
        req["path"],
        method=req["method"],
        query_string=req["query"],
        data=req["body"],
        headers=req["headers"],
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    injected = _clean_faults(rsandbox) or faulted
    if not injected:
        _assert_sane(response.status_code, response.get_data(), f"{req['method']} {req['path']}")


# -- the sandbox, over real HTTP ---------------------------------------------------------------------------------
def _healthy(sandbox: Sandbox) -> None:
    r = requests.get(f"{sandbox.base_url}/__sandbox/health", timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "ok"


@settings(max_examples=max(20, int(settings().max_examples * HTTP_SHARE)))
@given(data=st.data())
def test_fuzz_sandbox_over_http(rsandbox: Sandbox, flow_ids: list[str], data: st.DataObject) -> None:
    req = data.draw(requests_for(rsandbox, flow_ids))
    _count("sandbox (HTTP)")
    url = f"{rsandbox.base_url}{req['path']}" + (f"?{req['query']}" if req["query"] else "")
    headers = {k: v for k, v in req["headers"].items() if v.isascii()}
    try:
        response = requests.request(
            req["method"], url, data=req["body"], headers=headers, timeout=10, allow_redirects=False
        )
    except requests.exceptions.InvalidHeader:
        return  # requests itself refuses to send this header; nothing reached the server
    injected = _clean_faults(rsandbox)
    if not injected:
        _assert_sane(response.status_code, response.content, f"{req['method']} {url}")
    _healthy(rsandbox)


@settings(max_examples=max(10, int(settings().max_examples * HTTP_SHARE / 2)))
@given(
    garbage=st.one_of(
        st.binary(min_size=1, max_size=300),
        st.builds(
            lambda m, p, v: f"{m} {p} {v}\r\n".encode(),
            st.text(max_size=8),
            st.text(max_size=30),
            st.sampled_from(["HTTP/1.1", "HTTP/9.9", "HTTP/1", ""]),
        ),
        st.builds(
            lambda h: b"POST /x/as/token HTTP/1.1\r\nHost: x\r\n" + h + b"\r\n\r\n",
            st.sampled_from(
                [
                    b"Content-Length: -1",
                    b"Content-Length: 99999999999999999999",
                    b"Content-Length: abc",
                    b"Transfer-Encoding: chunked\r\n\r\nzz",
                    b"Content-Length: 5\r\nContent-Length: 7",
                ]
            ),
        ),
    )
)
def test_fuzz_raw_socket_garbage(rsandbox: Sandbox, garbage: bytes) -> None:
    """Bytes that are not HTTP: the server answers 4xx or closes, in bounded time, and keeps serving."""
    _count("raw socket")
    with socket.create_connection(("127.0.0.1", rsandbox.port), timeout=5) as sock:
        sock.sendall(garbage)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    if answer.startswith(b"HTTP/"):
        status = int(answer.split(b" ", 2)[1])
        assert status < 500, answer[:300]
    assert b"Traceback" not in answer
    _healthy(rsandbox)


# -- regressions the fuzzer found ------------------------------------------------------------------------------
HS256_HEADER = _b64(b'{"alg":"HS256"}')


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", "1" + "0" * 400])
def test_non_finite_exp_or_nbf_fails_a_rule_instead_of_crashing(rsandbox: Sandbox, value: str) -> None:
    """Found by this fuzzer: ``exp``/``nbf`` of NaN, ±Infinity or a 400-digit number crashed the checker
    (OverflowError/ValueError), which the sandbox turned into a 500. Now it is the exp/nbf rule that fails."""
    for claim, rule in (("exp", "exp-present"), ("nbf", "nbf-not-future")):
        payload = f'{{"iss":"app-1","sub":"app-1","aud":"{AUD}","exp":1800000060,"{claim}":{value}}}'.encode()
        token = f"{HS256_HEADER}.{_b64(payload)}.{_b64(b'x' * 32)}"
        checklist = check_assertion(token, client_id="app-1", audiences=[AUD], secret=MARKER_SECRET, now=1_800_000_000)
        assert checklist[rule].passed is False, checklist
        assert "finite" in checklist[rule].detail
        # …and the sandbox answers 401 invalid_client, not 500.
        payload = payload.replace(b"app-1", rsandbox.client_id.encode()).replace(
            AUD.encode(), rsandbox.token_endpoint.encode()
        )
        token = f"{HS256_HEADER}.{_b64(payload)}.{_b64(b'x' * 32)}"
        r = requests.post(
            rsandbox.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": "x",
                "redirect_uri": rsandbox.redirect_uri,
                "client_assertion": token,
                "client_assertion_type": CLIENT_ASSERTION_TYPE,
            },
            timeout=10,
        )
        assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text


# -- issue 16: the attack classes, fuzzed (bounded: a fifth of the profile's examples each) -----------------------
SHARE_16 = max(20, settings().max_examples // 5)
_LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "127.0.0.1:8080", "localhost:1", "127.1.2.3"]
_FOREIGN_HOSTS = ["evil.example", "127.0.0.1.evil.example", "localhost.evil", "0.0.0.0", "[::2]", "", "127.0.0.1@evil"]


@settings(max_examples=SHARE_16)
@given(
    token=st.sampled_from(["right", "wrong", "missing"]),
    # Any printable text: a Host header cannot carry control characters (the test client refuses to send them).
    host=st.one_of(
        st.sampled_from(_LOOPBACK_HOSTS),
        st.sampled_from(_FOREIGN_HOSTS),
        st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=20),
    ),
    ctype=st.sampled_from(
        ["application/json", "text/plain", "application/x-www-form-urlencoded", "", "APPLICATION/JSON"]
    ),
    count=st.one_of(st.integers(-5, 300), st.floats(allow_nan=True), st.booleans(), st.none()),
    delay=st.one_of(
        st.floats(-10, 10**6, allow_nan=False), st.just(float("nan")), st.integers(-5, 100), st.text(max_size=3)
    ),
)
# The one caller that must arm it, always tried (the random draw rarely gets every part right at once).
@example(token="right", host="127.0.0.1", ctype="application/json", count=None, delay=0.0)
@example(token="right", host="localhost:8080", ctype="APPLICATION/JSON", count=3, delay=1)
def test_fuzz_fault_switch_arms_only_for_the_right_caller(
    rsandbox: Sandbox, wsgi: Client, token: str, host: str, ctype: str, count: Any, delay: Any
) -> None:
    """Issue 16 #2: armed only with the token, a loopback Host, JSON, and count/delay within bounds."""
    _count("fault switch callers")
    headers = {"Host": host} if host else {}
    if ctype:
        headers["Content-Type"] = ctype
    if token != "missing":
        headers["X-Sandbox-Token"] = rsandbox.admin_token if token == "right" else rsandbox.admin_token[:-1] + "x"
    body: dict[str, Any] = {"fault": "slow", "endpoint": "jwks"}
    if count is not None:
        body["count"] = count
    body["delay"] = delay
    try:
        # From loopback, as every caller of the switch must be (the remote-address check is tested elsewhere).
        response = wsgi.post(
            "/__sandbox/faults", data=json.dumps(body), headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        assert response.status_code < 500
        armed = bool(rsandbox.faults.armed)
    finally:
        rsandbox.faults.clear()
    count_ok = count is None or (type(count) is int and 1 <= count <= 100)
    delay_ok = type(delay) in (int, float) and 0 <= delay <= 30
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[: host.find("]") + 1]
    host_ok = name.lower() in ("localhost", "[::1]") or (
        name.count(".") == 3 and name.startswith("127.") and all(p.isdigit() and int(p) < 256 for p in name.split("."))
    )
    expected = token == "right" and host_ok and ctype.lower() == "application/json" and count_ok and delay_ok
    assert armed == expected, (response.status_code, response.get_data(as_text=True)[:200])


@pytest.fixture(scope="module")
def issued_access_token(rsandbox: Sandbox) -> str:
    from pinghelpers import PingOneClient
    from pinghelpers.local import sandbox_settings

    with PingOneClient(sandbox_settings(rsandbox)) as client:
        return str(client.exchange_code(client.sign_on(client.authorization_request())).access_token)


@settings(max_examples=SHARE_16)
@given(data=st.data())
def test_fuzz_only_the_whole_access_token_is_a_bearer(
    rsandbox: Sandbox, wsgi: Client, issued_access_token: str, data: st.DataObject
) -> None:
    """Issue 16 #3: ids, pieces and edits of a real access token never authenticate at userinfo."""
    _count("bearer mutations")
    token = issued_access_token
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    candidates = st.one_of(
        st.just(str(payload["jti"])),
        st.builds(lambda i, j: token[min(i, j) : max(i, j)], st.integers(0, len(token)), st.integers(0, len(token))),
        st.builds(
            lambda i, c: token[:i] + c + token[i + 1 :],
            st.integers(0, len(token) - 1),
            st.sampled_from(list(string.ascii_letters + string.digits + "-_.")),
        ),
        st.builds(lambda extra: token + extra, st.text(alphabet="A=._-", min_size=1, max_size=3)),
        st.text(alphabet=string.ascii_letters + string.digits + "-_.", max_size=60),
    )
    fake = data.draw(candidates)
    r = wsgi.get(f"/{rsandbox.env_id}/as/userinfo", headers={"Authorization": f"Bearer {fake}"})
    assert r.status_code < 500
    assert (r.status_code == 200) == (fake.strip() == token), fake


_JSON_ROUTES = [
    ("flows", "application/vnd.pingidentity.usernamePassword.check+json"),
    ("management", "application/json"),
    ("admin", "application/json"),
]


@settings(max_examples=SHARE_16)
@given(
    route=st.sampled_from(_JSON_ROUTES),
    depth=st.integers(900, 25_000),
    opener=st.sampled_from(["[", '{"a":', '[{"a":', '{"username":[']),
    closed=st.booleans(),
)
def test_fuzz_nested_json_is_never_a_500(
    rsandbox: Sandbox, wsgi: Client, flow_ids: list[str], route: tuple[str, str], depth: int, opener: str, closed: bool
) -> None:
    """Issue 16 #4: JSON nested at any depth, closed or not, is a 4xx at every JSON-parsing route."""
    _count("nested JSON bodies")
    closer = {"[": "]", '{"a":': "}", '[{"a":': "}]", '{"username":[': "]}"}[opener]
    body = (opener * depth)[:60_000]
    if closed:
        body = (
            opener * (60_000 // (len(opener) + len(closer)) // 2)
            + "1"
            + closer * (60_000 // (len(opener) + len(closer)) // 2)
        )
    name, ctype = route
    path = {
        "flows": f"/{rsandbox.env_id}/flows/{flow_ids[0]}",
        "management": f"/v1/environments/{rsandbox.env_id}/applications",
        "admin": "/__sandbox/faults",
    }[name]
    headers = {"Content-Type": ctype, "X-Sandbox-Token": rsandbox.admin_token}
    try:
        r = wsgi.post(path, data=body, headers=headers)
    finally:
        _clean_faults(rsandbox)
    assert r.status_code < 500, (name, r.get_data(as_text=True)[:200])


@settings(max_examples=SHARE_16)
@given(
    mutation=st.sampled_from(["lead", "trail", "crit", "sig-bit", "pad"]),
    space=st.sampled_from([" ", "\t", "\n", "\r\n", "\u00a0", "\x0b"]),
    crit=st.one_of(st.lists(st.text(max_size=5), max_size=3), st.text(max_size=5), st.integers()),
)
def test_fuzz_assertion_leniencies_are_refused(
    rsandbox: Sandbox, wsgi: Client, mutation: str, space: str, crit: Any
) -> None:
    """Issue 16 #6: white space around, any crit, a non-canonical or padded signature — always 401."""
    import time as _time

    import jwt as pyjwt

    _count("assertion leniencies")
    claims = {
        "iss": rsandbox.client_id,
        "sub": rsandbox.client_id,
        "aud": rsandbox.token_endpoint,
        "exp": int(_time.time()) + 300,
    }
    headers = {"crit": crit} if mutation == "crit" else None
    good = pyjwt.encode(claims, MARKER_SECRET, algorithm="HS256", headers=headers)
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    bad = {
        "lead": space + good,
        "trail": good + space,
        "crit": good,
        "sig-bit": good[:-1] + alphabet[alphabet.index(good[-1]) ^ 1],
        "pad": good + "=",
    }[mutation]
    form = {"grant_type": "client_credentials", "client_assertion_type": CLIENT_ASSERTION_TYPE, "client_assertion": bad}
    r = wsgi.post(
        f"/{rsandbox.env_id}/as/token", data=urlencode(form), content_type="application/x-www-form-urlencoded"
    )
    assert r.status_code == 401, (mutation, r.get_data(as_text=True)[:200])


_LOCATION = {
    "PINGONE_REGION": "AU",
    "PINGONE_AUTH_PATH": "https://file.example",
    "PINGONE_CUSTOM_DOMAIN": "file.example",
    "PINGONE_ISSUER": "https://file.example/as",
    "PINGONE_API_PATH": "https://file.example/v1",
}
_ENV_LOCATION = {
    "PINGONE_REGION": "EU",
    "PINGONE_AUTH_PATH": "https://auth.pingone.eu",
    "PINGONE_API_PATH": "https://api.pingone.eu/v1",
}


@settings(max_examples=SHARE_16)
@given(
    file_vars=st.sets(st.sampled_from(sorted(_LOCATION))),
    env_vars=st.sets(st.sampled_from(sorted(_ENV_LOCATION))),
    file_method=st.one_of(
        st.none(),
        st.sampled_from(["client_secret_post", "client_secret_basic", "none", "client_secret_jwt", "private_key_jwt"]),
    ),
    env_method=st.one_of(st.none(), st.sampled_from(["client_secret_post", "client_secret_jwt"])),
)
def test_fuzz_dotenv_never_overrules_the_environment(
    tmp_path_factory: pytest.TempPathFactory,
    file_vars: set[str],
    env_vars: set[str],
    file_method: str | None,
    env_method: str | None,
) -> None:
    """Issue 16 #1: whatever a .env and the environment say, the file neither moves an environment-given location
    nor chooses a weaker auth method alone."""
    from pinghelpers import ConfigurationError, Settings
    from pinghelpers.settings import ENV_VARS

    _count(".env / environment mixes")
    folder = tmp_path_factory.mktemp("dotenv")
    lines = {k: _LOCATION[k] for k in file_vars}
    if file_method:
        lines["PINGONE_AUTH_METHOD"] = file_method
    (folder / ".env").write_text("".join(f"{k}={v}\n" for k, v in lines.items()))
    env = {k: _ENV_LOCATION[k] for k in env_vars}
    env.update({"PINGONE_ENV_ID": "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c", "PINGONE_CLIENT_ID": "app"})
    if env_method:
        env["PINGONE_AUTH_METHOD"] = env_method
    weak = file_method in ("client_secret_post", "client_secret_basic", "none")
    try:
        s = Settings.from_env(env, dotenv=str(folder / ".env"))
    except ConfigurationError as exc:
        assert weak and not env_method, str(exc)
        return
    assert not (weak and not env_method)
    assert s is not None
    if env_vars:
        for var in file_vars - env_vars:
            attr = {v: k for k, v in ENV_VARS.items()}[var]
            assert getattr(s, attr) in (None, ""), var
        assert any("environment wins" in n for n in s.notes) == bool(file_vars - env_vars)


@settings(max_examples=SHARE_16)
@given(
    command=st.sampled_from([["token", "--code", "x"], ["login"], ["inspect", "t"], ["assertion"], ["sandbox"]]),
    option=st.from_regex(r"--?[a-z][a-z_-]{0,14}", fullmatch=True),
    attached=st.booleans(),
)
def test_fuzz_unknown_flag_values_are_never_echoed(
    command: list[str], option: str, attached: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 16 #7: whatever option is mistyped, argparse's complaint does not repeat the value after it."""
    from pinghelpers.cli import build_parser

    _count("mistyped flags")
    canary = "TEST-ONLY-canary-Zq81"
    argv = [*command, f"{option}={canary}"] if attached else [*command, option, canary]
    try:
        build_parser().parse_args(argv)
    except SystemExit:
        pass
    captured = capsys.readouterr()
    assert canary not in captured.err


def test_fuzz_case_counts() -> None:
    """Runs last in this module: records how many cases each target got (printed in the summary)."""
    total = sum(CASES.values())
    FIGURES[f"fuzz cases run (profile {PROFILE})"] = f"{total} — " + ", ".join(f"{k} {v}" for k, v in CASES.items())
    assert total > 0
