"""PingOne's client-assertion rules as data, and the one checker that applies them.

The same :func:`check_assertion` runs in two places: in the client, as a pre-send checklist
(``pinghelpers.check_assertion``), and in the local sandbox's token endpoint, which refuses an assertion
exactly when this checker fails it. One source of truth, so the lesson and the server cannot disagree.

Rules, from PingOne's "Create a client secret JWT" / "Create a private key JWT" pages and RFC 7523 §3:

============================  ===========================================================================
rule id                       rule
============================  ===========================================================================
compact-jws                   the assertion is a compact JWS: three base64url parts, a JSON header/payload
assertion-type                ``client_assertion_type`` is ``urn:ietf:params:oauth:client-assertion-type:jwt-bearer``
alg-allowed                   CLIENT_SECRET_JWT: HS256/HS384/HS512; PRIVATE_KEY_JWT: RS256/RS384/RS512
signature                     the signature verifies with the app's client secret (or the app's JWKS)
iss-is-client-id              ``iss`` is present and equals the application's client ID
sub-is-client-id              ``sub`` is present and equals the application's client ID
aud-accepted                  ``aud`` is the token endpoint, the issuer, or the endpoint called (full URLs)
exp-present                   ``exp`` is present and a number (seconds since the epoch)
exp-not-expired               ``exp`` is not in the past
exp-within-one-hour           ``exp`` is at most one hour after now
nbf-not-future                ``nbf``, when present, is not in the future
============================  ===========================================================================

``iat`` and ``jti`` are optional and not validated by PingOne (no replay check).

It also owns what client and sandbox must spell alike: the auth methods (:func:`auth_method`, any spelling),
the algorithms per method (:func:`allowed_algorithms`), the accepted ``aud`` values (:func:`accepted_audiences`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigurationError
from .jose import decode_compact
from .timefmt import format_delta

__all__ = [
    "AUTH_METHODS",
    "CLIENT_ASSERTION_TYPE",
    "HMAC_ALGORITHMS",
    "MAX_ASSERTION_LIFETIME",
    "METHOD_CLIENT_SECRET_JWT",
    "METHOD_PRIVATE_KEY_JWT",
    "MIN_HMAC_KEY_BYTES",
    "PRIVATE_KEY_ALGORITHMS",
    "RULES",
    "USERNAME_PASSWORD_CHECK",
    "AuthMethod",
    "CheckItem",
    "Checklist",
    "Rule",
    "accepted_audiences",
    "allowed_algorithms",
    "auth_method",
    "check_assertion",
    "decode_compact",
]

# RFC 7523 §2.2: the client_assertion_type value for a JWT client assertion.
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# PingOne "Create a client secret JWT": only HS256, HS384, HS512, keyed with the client secret.
HMAC_ALGORITHMS: tuple[str, ...] = ("HS256", "HS384", "HS512")
# PingOne "Create a private key JWT": RS256/RS384/RS512 (ES* appears only on a newer workflow page; the
# local sandbox accepts RS* only — see README, "choices for UNCONFIRMED behaviour").
PRIVATE_KEY_ALGORITHMS: tuple[str, ...] = ("RS256", "RS384", "RS512")
# PingOne: an assertion whose exp is more than one hour in the future is rejected.
MAX_ASSERTION_LIFETIME = 3600
# RFC 7518 §3.2: an HMAC key must be at least as long as the hash output (32/48/64 bytes).
MIN_HMAC_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}

# PingOne flows API ("Flow action media types"): POST /{envID}/flows/{flowID} picks the action by Content-Type;
# signing on with a username and password is this one.
USERNAME_PASSWORD_CHECK = "application/vnd.pingidentity.usernamePassword.check+json"


@dataclass(frozen=True)
class AuthMethod:
    """One client authentication method, in each spelling it has.

    ``name`` is PingOne's ``tokenEndpointAuthMethod`` value (management API, the sandbox's config);
    ``key`` the lower-case name of OAuth's registry (RFC 8414 ``token_endpoint_auth_methods_supported``), which
    is also what ``PINGONE_AUTH_METHOD``, the CLI's ``--auth`` and :func:`pinghelpers.auth_for_method` take;
    ``label`` the admin console's wording. ``algorithms``: what a JWT method's assertion may be signed with.
    """

    name: str
    key: str
    label: str
    needs_secret: bool
    algorithms: tuple[str, ...] = ()


# PingOne "Application operations" (tokenEndpointAuthMethod) and RFC 8414 §2 / OIDC Discovery: the five methods.
AUTH_METHODS: tuple[AuthMethod, ...] = (
    AuthMethod("CLIENT_SECRET_JWT", "client_secret_jwt", "Client Secret JWT", True, HMAC_ALGORITHMS),
    AuthMethod("CLIENT_SECRET_BASIC", "client_secret_basic", "Client Secret Basic", True),
    AuthMethod("CLIENT_SECRET_POST", "client_secret_post", "Client Secret Post", True),
    AuthMethod("PRIVATE_KEY_JWT", "private_key_jwt", "Private Key JWT", False, PRIVATE_KEY_ALGORITHMS),
    AuthMethod("NONE", "none", "None", False),
)
# Each key is its name in lower case, so one upper-cased lookup serves both spellings.
_AUTH_METHOD_BY_NAME = {m.name: m for m in AUTH_METHODS}
METHOD_CLIENT_SECRET_JWT = AUTH_METHODS[0].name
METHOD_PRIVATE_KEY_JWT = AUTH_METHODS[3].name


def auth_method(name: str, *, setting: str = "PINGONE_AUTH_METHOD") -> AuthMethod:
    """The :class:`AuthMethod` called ``name`` in any spelling and case (``CLIENT_SECRET_JWT``, ``client_secret_jwt``).

    Raises :class:`~pinghelpers.ConfigurationError` (naming ``setting``) for a method PingOne does not have.

    >>> auth_method("client_secret_jwt").name, auth_method("PRIVATE_KEY_JWT").key
    ('CLIENT_SECRET_JWT', 'private_key_jwt')
    """
    found = _AUTH_METHOD_BY_NAME.get(str(name).strip().upper())
    if found is None:
        raise ConfigurationError(
            f"unknown client authentication method {name!r}; choose one of {', '.join(m.key for m in AUTH_METHODS)}",
            setting=setting,
            fix="use the method your app's tokenEndpointAuthMethod is set to, in lower case",
        )
    return found


def allowed_algorithms(method: str | AuthMethod) -> tuple[str, ...]:
    """The ``alg`` values PingOne accepts for ``method``'s client assertion (empty: not a JWT method).

    >>> allowed_algorithms("CLIENT_SECRET_JWT"), allowed_algorithms("private_key_jwt")
    (('HS256', 'HS384', 'HS512'), ('RS256', 'RS384', 'RS512'))
    """
    return (method if isinstance(method, AuthMethod) else auth_method(method)).algorithms


_PINGONE_CSJ = "PingOne: Create a client secret JWT"


@dataclass(frozen=True)
class Rule:
    """One PingOne rule: a short id, what it demands, how to fix a failure, and where it comes from."""

    id: str
    claim: str
    text: str
    fix: str
    source: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "compact-jws",
            "(token)",
            "the assertion is a compact JWS: header.payload.signature, each base64url, header and payload JSON",
            "send the string jwt.encode() returns, unmodified and without quotes or whitespace",
            "RFC 7515 §7.1",
        ),
        Rule(
            "assertion-type",
            "client_assertion_type",
            f"client_assertion_type is {CLIENT_ASSERTION_TYPE}",
            f"send client_assertion_type={CLIENT_ASSERTION_TYPE}",
            "RFC 7523 §2.2",
        ),
        Rule(
            "alg-allowed",
            "alg",
            "CLIENT_SECRET_JWT assertions are signed HS256, HS384 or HS512 (PRIVATE_KEY_JWT: RS256/384/512)",
            "sign with algorithm='HS256' (or HS384/HS512) and the client secret as the key",
            _PINGONE_CSJ,
        ),
        Rule(
            "signature",
            "(signature)",
            "the signature verifies with the application's current client secret",
            "sign with the app's current secret (Applications → your app → Configuration → Client Secret); "
            "if it was rotated, use the new one",
            _PINGONE_CSJ,
        ),
        Rule(
            "iss-is-client-id",
            "iss",
            "iss is present and equals the application's client ID",
            "set iss to the client ID (the application's ID in PingOne)",
            "RFC 7523 §3 (1); " + _PINGONE_CSJ,
        ),
        Rule(
            "sub-is-client-id",
            "sub",
            "sub is present and equals the application's client ID",
            "set sub to the client ID — for client authentication sub equals iss",
            "RFC 7523 §3 (2); " + _PINGONE_CSJ,
        ),
        Rule(
            "aud-accepted",
            "aud",
            "aud is the full URL of the token endpoint, the issuer, or the endpoint being called",
            "set aud to the token endpoint URL exactly, e.g. https://auth.pingone.<tld>/{envID}/as/token "
            "(same scheme and host, no trailing slash)",
            "RFC 7523 §3 (3); " + _PINGONE_CSJ,
        ),
        Rule(
            "exp-present",
            "exp",
            "exp is present: a number of seconds since the epoch",
            "add exp = now + a few minutes (at most 3600 seconds ahead)",
            "RFC 7523 §3 (4); " + _PINGONE_CSJ,
        ),
        Rule(
            "exp-not-expired",
            "exp",
            "exp is not in the past",
            "build a fresh assertion just before each token request; check this machine's clock",
            "RFC 7523 §3 (4)",
        ),
        Rule(
            "exp-within-one-hour",
            "exp",
            "exp is at most one hour after the current time",
            "use a lifetime of 3600 seconds or less (300 is a good default)",
            _PINGONE_CSJ,
        ),
        Rule(
            "nbf-not-future",
            "nbf",
            "nbf, when present, is not in the future",
            "omit nbf, or set it to now or earlier; check this machine's clock",
            "RFC 7523 §3 (5)",
        ),
    )
}


@dataclass(frozen=True)
class CheckItem:
    """One line of a checklist: the rule, whether it passed, and what was seen (never a secret)."""

    rule: Rule
    passed: bool | None  # None: not checked (e.g. signature without a key)
    detail: str = ""

    @property
    def status(self) -> str:
        return {True: "pass", False: "FAIL", None: "skipped"}[self.passed]


@dataclass(frozen=True)
class Checklist:
    """The result of :func:`check_assertion`: one :class:`CheckItem` per rule, in rule order."""

    items: tuple[CheckItem, ...]
    header: Mapping[str, Any] = field(default_factory=dict)
    claims: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no rule failed (skipped rules do not fail)."""
        return not self.failures

    @property
    def failures(self) -> tuple[CheckItem, ...]:
        return tuple(i for i in self.items if i.passed is False)

    @property
    def first_failure(self) -> CheckItem | None:
        return self.failures[0] if self.failures else None

    def __getitem__(self, rule_id: str) -> CheckItem:
        for item in self.items:
            if item.rule.id == rule_id:
                return item
        raise KeyError(rule_id)

    def __str__(self) -> str:
        width = max((len(i.rule.id) for i in self.items), default=10)
        lines = []
        for i in self.items:
            lines.append(f"[{i.status:^7}] {i.rule.id:<{width}}  {i.detail or i.rule.text}")
            if i.passed is False:
                lines.append(f"{'':10}{'':<{width}}  fix: {i.rule.fix}")
        verdict = (
            "PingOne would accept this assertion"
            if self.ok
            else (f"PingOne would refuse this assertion: {len(self.failures)} rule(s) failed")
        )
        return "\n".join([*lines, verdict])

    def __repr__(self) -> str:
        return f"Checklist(ok={self.ok}, failed={[i.rule.id for i in self.failures]})"

    def _repr_html_(self) -> str:
        from .display.reprs import checklist_html

        return checklist_html(self)


def accepted_audiences(issuer: str, *, called: str | None = None, also_issuers: Iterable[str] = ()) -> tuple[str, ...]:
    """The ``aud`` values PingOne accepts in a client assertion for ``issuer`` (``{authPath}/{envID}/as``).

    PingOne ("Create a client secret JWT"): the token endpoint, the issuer, or the endpoint actually
    ``called``, as full URLs. ``also_issuers``: other spellings of the same issuer that PingOne accepts —
    with a custom domain "the aud may use either the PingOne domain or the custom domain". The client's
    checklist, the local sandbox and ``explain()`` all take the list from here.

    >>> accepted_audiences("https://auth.pingone.com/env/as")
    ('https://auth.pingone.com/env/as/token', 'https://auth.pingone.com/env/as')
    """
    values: list[str] = []
    for iss in (issuer, *also_issuers):
        for value in (f"{iss}/token", iss):
            if value not in values:
                values.append(value)
    if called and called not in values:
        values.append(called)
    return tuple(values)


def _is_number(value: Any) -> bool:
    # A NumericDate (RFC 7519 §2) is a finite number; JSON also lets through NaN, Infinity and 400-digit
    # integers, which would crash the time arithmetic below (found by tests/robustness fuzzing).
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


SignatureVerifier = Callable[[str, dict[str, Any]], bool]


def check_assertion(
    assertion: str,
    *,
    client_id: str,
    audiences: Sequence[str] | str,
    secret: Any = None,
    verify_signature: SignatureVerifier | None = None,
    method: str = METHOD_CLIENT_SECRET_JWT,
    assertion_type: str | None = CLIENT_ASSERTION_TYPE,
    now: float | None = None,
    decoded: tuple[dict[str, Any], dict[str, Any], bytes, bytes] | None = None,
) -> Checklist:
    """Check a client assertion against PingOne's rules and return a :class:`Checklist`.

    ``audiences`` are the accepted ``aud`` values (see :func:`accepted_audiences`). Give ``secret`` (a ``str`` or
    :class:`~pinghelpers.Secret`) to check a CLIENT_SECRET_JWT signature, or ``verify_signature``
    (``(token, header) -> bool``) for PRIVATE_KEY_JWT; with neither, the signature is reported "skipped".
    ``decoded``: ``jose.decode_compact(assertion)`` when the caller has it already (the sandbox decodes once
    to find the app).

    >>> checklist = check_assertion(token, client_id=cid, audiences=[ep.token_endpoint], secret=secret)
    >>> checklist.ok, [i.rule.id for i in checklist.failures]
    """
    if decoded is None:
        try:
            decoded = decode_compact(assertion)
        except ValueError as exc:
            return Checklist((CheckItem(RULES["compact-jws"], False, str(exc)),))
    now_ts = time.time() if now is None else float(now)
    accepted = (audiences,) if isinstance(audiences, str) else tuple(audiences)
    items: list[CheckItem] = []

    def add(rule_id: str, passed: bool | None, detail: str = "") -> None:
        items.append(CheckItem(RULES[rule_id], passed, detail))

    header, claims, signing_input, signature = decoded
    add("compact-jws", True, "three base64url parts; header and payload are JSON objects")

    if assertion_type is not None:
        add(
            "assertion-type",
            assertion_type == CLIENT_ASSERTION_TYPE,
            f"client_assertion_type = {assertion_type!r}" if assertion_type != CLIENT_ASSERTION_TYPE else "",
        )

    alg = header.get("alg")
    used = auth_method(method)
    allowed = allowed_algorithms(used)
    alg_ok = isinstance(alg, str) and alg in allowed
    add(
        "alg-allowed",
        alg_ok,
        f"alg = {alg!r}" + ("" if alg_ok else f"; {used.name} allows {', '.join(allowed) or 'no assertion'}"),
    )

    # Signature: only meaningful once the algorithm is one PingOne accepts.
    if not alg_ok:
        add("signature", False, "not verified: the algorithm is not allowed")
    elif verify_signature is not None:
        add("signature", bool(verify_signature(assertion, header)), "verified with the app's keys")
    elif secret is not None:
        ok, detail = _verify_hmac(str(alg), signing_input, signature, secret)
        add("signature", ok, detail)
    else:
        add("signature", None, "not checked: no secret given")

    iss = claims.get("iss")
    add(
        "iss-is-client-id",
        iss == client_id,
        "iss equals the client ID"
        if iss == client_id
        else ("iss is missing" if iss is None else f"iss = {iss!r}, expected the client ID {client_id!r}"),
    )
    sub = claims.get("sub")
    add(
        "sub-is-client-id",
        sub == client_id,
        "sub equals the client ID"
        if sub == client_id
        else ("sub is missing" if sub is None else f"sub = {sub!r}, expected the client ID {client_id!r}"),
    )

    aud = claims.get("aud")
    aud_values = aud if isinstance(aud, list) else [aud]
    aud_ok = aud is not None and any(isinstance(a, str) and a in accepted for a in aud_values)
    if aud is None:
        aud_detail = "aud is missing"
    elif aud_ok:
        aud_detail = f"aud = {aud!r}"
    else:
        aud_detail = f"aud = {aud!r}; accepted: {', '.join(accepted)}"
        near = [a for a in aud_values if isinstance(a, str) and _near_miss(a, accepted)]
        if near:
            aud_detail += f" (close: {near[0]!r} differs only in scheme, case or a trailing slash)"
    add("aud-accepted", aud_ok, aud_detail)

    exp = claims.get("exp")
    if not _is_number(exp):
        add("exp-present", False, "exp is missing" if exp is None else f"exp = {exp!r} is not a finite number")
        add("exp-not-expired", False, "no usable exp")
        add("exp-within-one-hour", False, "no usable exp")
    else:
        exp_value = float(exp)  # type: ignore[arg-type]  # _is_number checked it
        add("exp-present", True, f"exp = {int(exp_value)}")
        delta = exp_value - now_ts
        expires = f"expires {format_delta(delta)}"
        add("exp-not-expired", delta > 0, expires)
        add("exp-within-one-hour", delta <= MAX_ASSERTION_LIFETIME, f"{expires} (limit: 1h00m)")

    nbf = claims.get("nbf")
    if nbf is None:
        add("nbf-not-future", True, "no nbf (optional)")
    elif not _is_number(nbf):
        add("nbf-not-future", False, f"nbf = {nbf!r} is not a finite number")
    else:
        d = float(nbf) - now_ts
        add("nbf-not-future", d <= 0, f"valid from {format_delta(d)}")

    return Checklist(tuple(items), header=header, claims=claims)


def _near_miss(value: str, accepted: Iterable[str]) -> bool:
    def norm(u: str) -> str:
        u = u.strip().lower().rstrip("/")
        return u.split("://", 1)[-1]

    return any(norm(value) == norm(a) for a in accepted)


_HMAC_DIGESTS = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}


def _verify_hmac(alg: str, signing_input: bytes, signature: bytes, secret: Any) -> tuple[bool, str]:
    import hmac  # here, not at the top: keeps hashlib/OpenSSL out of `import pinghelpers`

    key_text = secret.reveal() if hasattr(secret, "reveal") else str(secret)
    key = key_text.encode("utf-8")
    if not key:
        return False, "the client secret is empty"
    # hmac.digest: the one-shot C path (no HMAC object), same result as hmac.new(...).digest().
    expected = hmac.digest(key, signing_input, _HMAC_DIGESTS[alg])
    if hmac.compare_digest(expected, signature):
        return True, f"{alg} signature verifies with the client secret"
    return False, f"{alg} signature does not verify with the client secret"
