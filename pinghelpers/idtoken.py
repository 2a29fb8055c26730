"""Validate an ID token the way OpenID Connect Core §3.1.3.7 asks a client to, and report every check.

:func:`validate_id_token` returns an :class:`IdTokenReport` — one :class:`ClaimCheck` per rule (``alg``,
signature, ``iss``, ``aud``/``azp``, ``exp``, ``iat``, ``nonce``, ``at_hash``, ``auth_time``), like the
client-assertion checklist of :mod:`pinghelpers.rules` — and never raises for a bad token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jwt

from .decoding import TIME_CLAIMS, decode_unverified
from .errors import TokenValidationError
from .http import jwks_client, replaying
from .jose import at_hash_of
from .timefmt import describe_time
from .timefmt import now as _clock_now

if TYPE_CHECKING:
    from .messages import TokenResponse

__all__ = ["ClaimCheck", "IdTokenReport", "at_hash", "validate_id_token", "validate_token_response"]

#: Why a replay cannot check a token's signature (or the at_hash of a masked access token).
REPLAY_WHY = (
    "the cassette masks every token's signature (a signature that still verified would make the recorded token "
    "a working credential); the check ran when the cassette was recorded"
)
REPLAY_SKIP = "skipped in a replay (no JWKS verification): " + REPLAY_WHY


def at_hash(access_token: str, alg: str = "RS256") -> str:
    """The ``at_hash`` an ID token must carry for ``access_token`` (OIDC Core §3.1.3.6 / §3.2.2.9).

    Hash the ASCII access token with the hash of the ID token's ``alg`` (RS256 → SHA-256), keep the left
    half, base64url-encode it without padding.

    >>> at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y")   # OIDC Core §A.3's example
    '77QmUPtjPfzWtF2AnpK9RQ'
    """
    try:
        return at_hash_of(access_token, alg)
    except ValueError:
        raise TokenValidationError(
            f"cannot compute at_hash for alg {alg!r}", claim="at_hash", fix="the ID token's alg must be RS/ES/PS/HS*"
        ) from None


@dataclass(frozen=True)
class ClaimCheck:
    """One ID-token check: which claim, passed or not (``None`` = not checked), what was seen, the rule, the fix."""

    claim: str
    passed: bool | None
    detail: str
    rule: str
    fix: str = ""

    @property
    def status(self) -> str:
        return {True: "pass", False: "FAIL", None: "skipped"}[self.passed]


@dataclass(frozen=True)
class IdTokenReport:
    """The result of :func:`validate_id_token`: one :class:`ClaimCheck` per rule, like an assertion checklist."""

    items: tuple[ClaimCheck, ...]
    header: Mapping[str, Any] = field(default_factory=dict)
    claims: Mapping[str, Any] = field(default_factory=dict)
    now: float | None = None

    @property
    def ok(self) -> bool:
        """No check failed *and* the signature was verified: a token whose signature was not checked could
        have been signed by anyone, so it is never ``ok`` (other skipped checks are listed in :attr:`skipped`)."""
        return not self.failures and self.signature_verified

    @property
    def signature_verified(self) -> bool:
        return any(i.claim == "signature" and i.passed is True for i in self.items)

    @property
    def skipped(self) -> tuple[ClaimCheck, ...]:
        """The checks that were not made (no JWKS, no nonce, no access token given)."""
        return tuple(i for i in self.items if i.passed is None)

    @property
    def failures(self) -> tuple[ClaimCheck, ...]:
        return tuple(i for i in self.items if i.passed is False)

    @property
    def first_failure(self) -> ClaimCheck | None:
        return self.failures[0] if self.failures else None

    def __getitem__(self, claim: str) -> ClaimCheck:
        for item in self.items:
            if item.claim == claim:
                return item
        raise KeyError(claim)

    def times(self) -> dict[str, str]:
        """``iat``/``exp``/``auth_time`` as readable UTC times, relative to the validation time."""
        return {k: describe_time(self.claims[k], now=self.now) for k in TIME_CLAIMS if k in self.claims}

    def raise_for_failure(self) -> IdTokenReport:
        """Raise :class:`TokenValidationError` for the first failed check, or for a signature not checked (except in a
        replay, whose cassette masks signatures); return self otherwise."""
        first = self.first_failure
        if first is not None:
            raise TokenValidationError(f"ID token: {first.detail}", claim=first.claim, rule=first.rule, fix=first.fix)
        # A replay (record/replay) masks every signature: the report says the check was skipped and why, and stays
        # not ok — but a class replaying a recorded run is not refused for what the cassette cannot carry.
        if not self.signature_verified and replaying() is None:
            raise TokenValidationError(
                "ID token: the signature was not checked, so the token is not validated",
                claim="signature",
                rule="OIDC Core §3.1.3.7 (6)",
                fix="pass jwks_uri= (the issuer's JWKS, e.g. endpoints.jwks_uri) or key=",
            )
        return self

    def __str__(self) -> str:
        width = max((len(i.claim) for i in self.items), default=8)
        lines = []
        for i in self.items:
            lines.append(f"[{i.status:^7}] {i.claim:<{width}}  {i.detail}")
            if i.passed is False and i.fix:
                lines.append(f"{'':10}{'':<{width}}  fix: {i.fix}")
        lines.append(self.verdict)
        return "\n".join(lines)

    @property
    def verdict(self) -> str:
        """One line: valid, not valid (how many failed), or not validated (what was not checked)."""
        if self.failures:
            return f"the ID token is NOT valid: {len(self.failures)} failed"
        not_checked = ", ".join(i.claim for i in self.skipped)
        if not self.signature_verified:
            return (
                f"the ID token is NOT validated: not checked — {not_checked} (pass jwks_uri= to verify the signature)"
            )
        if not_checked:
            return f"the ID token is valid (not checked: {not_checked})"
        return "the ID token is valid"

    def __repr__(self) -> str:
        return f"IdTokenReport(ok={self.ok}, failed={[i.claim for i in self.failures]})"

    def _repr_html_(self) -> str:
        from .display.reprs import id_token_report_html

        return id_token_report_html(self)


def validate_id_token(
    id_token: str,
    *,
    client_id: str,
    issuer: str,
    nonce: str | None = None,
    access_token: str | None = None,
    jwks_uri: str | None = None,
    key: Any = None,
    algorithms: Sequence[str] = ("RS256",),
    max_age: int | None = None,
    now: float | None = None,
    leeway: float = 0,
) -> IdTokenReport:
    """Validate an ID token the way OIDC Core §3.1.3.7 asks a client to, and report every check.

    The signature is checked with the issuer's JWKS (``jwks_uri``, via PyJWT's ``PyJWKClient``) or a
    ``key``; with neither it is reported *skipped*. ``nonce`` is the value sent in the authorization request;
    ``access_token`` (from the same token response) enables the ``at_hash`` check. Never raises for a bad
    token — call ``.raise_for_failure()`` for that.

    >>> report = validate_id_token(tokens.id_token, client_id=cid, issuer=endpoints.issuer,
    ...                            jwks_uri=endpoints.jwks_uri, nonce=request.nonce, access_token=tokens.access_token)
    >>> report.ok, [c.claim for c in report.failures]
    """
    decoded = decode_unverified(id_token)
    header, claims = dict(decoded.header), dict(decoded.claims)
    now_ts = _clock_now() if now is None else float(now)
    items: list[ClaimCheck] = []

    def add(claim: str, passed: bool | None, detail: str, rule: str, fix: str = "") -> None:
        items.append(ClaimCheck(claim, passed, detail, rule, fix))

    alg = header.get("alg")
    # §3.1.3.7 (7): alg should be the one registered for the client (RS256 by default; PingOne signs RS256).
    alg_ok = isinstance(alg, str) and alg in algorithms
    add(
        "alg",
        alg_ok,
        f"alg = {alg!r}" + ("" if alg_ok else f", expected one of {list(algorithms)}"),
        "OIDC Core §3.1.3.7 (7)",
        "reject tokens with another alg (never accept 'none'); PingOne signs ID tokens RS256",
    )
    # §3.1.3.7 (6): validate the signature with the issuer's keys, selected by kid.
    if not alg_ok:
        add("signature", False, "not verified: the algorithm is not accepted", "OIDC Core §3.1.3.7 (6)")
    elif jwks_uri is None and key is None:
        add("signature", None, "not checked: no jwks_uri or key given", "OIDC Core §3.1.3.7 (6)")
    elif key is None and replaying() is not None:
        add("signature", None, REPLAY_SKIP, "OIDC Core §3.1.3.7 (6)")
    else:
        try:
            signing_key = key if key is not None else jwks_client(str(jwks_uri)).get_signing_key_from_jwt(id_token).key
            jwt.decode(
                id_token,
                signing_key,
                algorithms=list(algorithms),
                options={
                    "verify_signature": True,
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
            add(
                "signature",
                True,
                f"{alg} signature verifies with the issuer's key (kid {header.get('kid')!r})",
                "OIDC Core §3.1.3.7 (6)",
            )
        except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
            add(
                "signature",
                False,
                f"signature does not verify: {exc}",
                "OIDC Core §3.1.3.7 (6)",
                "fetch the keys from this issuer's jwks_uri; the token may come from another environment",
            )
    # §3.1.3.7 (2): iss must exactly match the issuer identifier (from discovery).
    iss = claims.get("iss")
    add(
        "iss",
        iss == issuer,
        f"iss = {iss!r}" + ("" if iss == issuer else f", expected {issuer!r}"),
        "OIDC Core §3.1.3.7 (2)",
        "use the issuer of the environment that issued the token (same region / custom domain / envID)",
    )
    # §3.1.3.7 (3): aud must contain the client_id; (4),(5): several audiences need azp = client_id.
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    aud_ok = client_id in auds
    add(
        "aud",
        aud_ok,
        f"aud = {aud!r}" + ("" if aud_ok else f", which does not contain the client ID {client_id!r}"),
        "OIDC Core §3.1.3.7 (3)",
        "the ID token was issued to another application: check the client ID",
    )
    if len(auds) > 1 or "azp" in claims:
        azp = claims.get("azp")
        add(
            "azp",
            azp == client_id,
            f"azp = {azp!r}",
            "OIDC Core §3.1.3.7 (4)-(5)",
            "with several audiences, azp must be this client's ID",
        )
    # §3.1.3.7 (9): the current time must be before exp.
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        add("exp", False, "exp is missing or not a number", "OIDC Core §3.1.3.7 (9)", "the token is malformed")
    else:
        alive = now_ts < float(exp) + leeway
        add(
            "exp",
            alive,
            f"expires {describe_time(exp, now=now_ts)}",
            "OIDC Core §3.1.3.7 (9)",
            "get a new ID token; if it expired at once, check this machine's clock",
        )
    # §3.1.3.7 (10): iat is required; a client may reject tokens issued too far in the future (clock skew).
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        add("iat", False, "iat is missing or not a number", "OIDC Core §2 / §3.1.3.7 (10)", "the token is malformed")
    else:
        add(
            "iat",
            float(iat) <= now_ts + leeway + 60,
            f"issued {describe_time(iat, now=now_ts)}",
            "OIDC Core §3.1.3.7 (10)",
            "the issuer's clock and this machine's differ by more than a minute: sync the clock (NTP)",
        )
    # §3.1.3.7 (11): when a nonce was sent, the claim must be present and equal.
    if nonce is not None:
        got = claims.get("nonce")
        add(
            "nonce",
            got == nonce,
            "nonce matches the authorization request"
            if got == nonce
            else ("nonce is missing" if got is None else "nonce differs from the one sent (replayed token?)"),
            "OIDC Core §3.1.3.7 (11)",
            "use the nonce of this authorization request; start the sign-on again",
        )
    else:
        add("nonce", None, "not checked: no nonce given", "OIDC Core §3.1.3.7 (11)")
    # §3.1.3.6 / §3.2.2.9: at_hash, when present, binds the access token to the ID token.
    if access_token is None:
        add("at_hash", None, "not checked: no access token given", "OIDC Core §3.1.3.6")
    elif "at_hash" not in claims:
        add("at_hash", True, "no at_hash (optional in the code flow)", "OIDC Core §3.1.3.6")
    elif not alg_ok:
        add("at_hash", False, "cannot compute at_hash for this alg", "OIDC Core §3.1.3.6")
    elif replaying() is not None:
        add("at_hash", None, "skipped in a replay: " + REPLAY_WHY, "OIDC Core §3.1.3.6")
    else:
        expected = at_hash(access_token, str(alg))
        add(
            "at_hash",
            claims.get("at_hash") == expected,
            "at_hash matches the access token"
            if claims.get("at_hash") == expected
            else "at_hash does not match the access token (tokens from different responses?)",
            "OIDC Core §3.1.3.6",
            "use the access token returned together with this ID token",
        )
    # §3.1.3.7 (13): with max_age, auth_time must be present and recent enough.
    if max_age is not None:
        auth_time = claims.get("auth_time")
        fresh = isinstance(auth_time, (int, float)) and now_ts - float(auth_time) <= max_age + leeway
        add(
            "auth_time",
            fresh,
            f"signed on {describe_time(auth_time, now=now_ts)} (max_age {max_age} s)",
            "OIDC Core §3.1.3.7 (13)",
            "sign on again (prompt=login)",
        )
    return IdTokenReport(tuple(items), header=header, claims=claims, now=now_ts)


def validate_token_response(
    tokens: TokenResponse, *, client_id: str, issuer: str, jwks_uri: str, nonce: str | None = None
) -> IdTokenReport:
    """Validate the ID token of a token response — signature from ``jwks_uri``, ``iss``, ``aud``, ``exp``,
    ``nonce`` (when given), ``at_hash`` against the access token beside it — and raise
    :class:`TokenValidationError` naming the first failed check (OIDC Core §3.1.3.7). Returns the report."""
    if not tokens.id_token:
        raise TokenValidationError(
            "the token response has no id_token to validate", claim="id_token", fix="request scope=openid"
        )
    report = validate_id_token(
        tokens.id_token,
        client_id=client_id,
        issuer=issuer,
        nonce=nonce,
        access_token=tokens.access_token,
        jwks_uri=jwks_uri,
    )
    return report.raise_for_failure()
