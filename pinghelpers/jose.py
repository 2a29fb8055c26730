"""The one home of the JOSE and OAuth byte-level primitives, shared by the client and the local sandbox.

Everything here is pure (no HTTP, no display, no PingOne policy): base64url without padding (RFC 7515 §2),
the compact-JWS split (RFC 7515 §7.1), PKCE S256 (RFC 7636 §4.2), ``at_hash`` (OpenID Connect Core §3.1.3.6)
and ``c_hash`` (§3.3.2.11), and a constant-time comparison. PingOne's *rules* about these values live in :mod:`pinghelpers.rules`.

>>> b64url_encode(b"\\xfb\\xff")
'-_8'
>>> b64url_decode("-_8")
b'\\xfb\\xff'
>>> pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")   # RFC 7636 Appendix B
'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
>>> at_hash_of("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256")   # OIDC Core §A.3
'77QmUPtjPfzWtF2AnpK9RQ'
>>> c_hash_of("Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk", "RS256")   # OIDC Core §A.4
'LDktKdoQak3Pk0cnXxCltA'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Any

__all__ = [
    "B64URL_ALPHABET",
    "MAX_JSON_DEPTH",
    "at_hash_of",
    "b64url_decode",
    "b64url_encode",
    "c_hash_of",
    "constant_time_equals",
    "decode_compact",
    "hmac_digest",
    "is_canonical_b64url",
    "pkce_s256",
    "split_compact",
]

# RFC 4648 §5's alphabet, no padding (RFC 7515 §2). One regex pass: the sandbox runs this on every token request.
B64URL_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")

_HASHES = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}


def b64url_encode(data: bytes) -> str:
    """base64url without ``=`` padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; ``ValueError`` when it is not base64url."""
    if not isinstance(text, str):
        raise ValueError(f"expected a string, got {type(text).__name__}")
    stripped = text.rstrip("=")
    if not B64URL_ALPHABET.fullmatch(stripped) or len(stripped) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode((stripped + "=" * (-len(stripped) % 4)).encode("ascii"))
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("not base64url") from None


def is_canonical_b64url(text: str) -> bool:
    """True when ``text`` is the one unpadded base64url spelling of its bytes (no stray trailing bits).

    RFC 7515 §2 and RFC 4648 §3.5: an encoder sets the unused bits of the last character to zero, so
    ``"AB"`` and ``"AA"`` must not both decode to the same byte as signatures.
    """
    try:
        return b64url_encode(b64url_decode(text)) == text
    except ValueError:
        return False


def split_compact(token: str) -> tuple[str, str, str]:
    """The three dot-separated parts of a compact JWS (RFC 7515 §7.1), unverified and undecoded."""
    if not isinstance(token, str):
        raise ValueError(f"expected a string, got {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError(f"a compact JWT has 3 dot-separated parts, this has {len(parts)}")
    return parts[0], parts[1], parts[2]


def decode_compact(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Split a compact JWS into (header, payload, signing_input, signature) **without verifying it**.

    Surrounding white space is ignored here (a pasted token); the sandbox's assertion check is stricter.
    Raises ``ValueError`` with a precise reason when the string is not a compact JWS.
    """
    if not isinstance(token, str):
        raise ValueError(f"expected a string, got {type(token).__name__}")
    parts = split_compact(token.strip())
    names = ("header", "payload", "signature")
    raw: list[bytes] = []
    for name, part in zip(names, parts, strict=True):
        if name != "signature" and not part:
            raise ValueError(f"the {name} part is empty")
        if not B64URL_ALPHABET.fullmatch(part):
            raise ValueError(f"the {name} part is not base64url")
        try:
            raw.append(b64url_decode(part))
        except ValueError:
            raise ValueError(f"the {name} part is not base64url") from None
    decoded: list[dict[str, Any]] = []
    for name, blob in zip(names[:2], raw[:2], strict=True):
        try:
            value = json.loads(blob.decode("utf-8"))
        except RecursionError:
            raise ValueError(f"the {name} part is JSON nested too deeply (a JWT nests a few levels)") from None
        except (UnicodeDecodeError, ValueError):
            raise ValueError(f"the {name} part is not JSON") from None
        if _too_deep(value):
            # Issue 16 #4: nesting that parses but that printing or repr() would choke on later.
            raise ValueError(f"the {name} part is JSON nested too deeply (more than {MAX_JSON_DEPTH} levels)")
        if not isinstance(value, dict):
            raise ValueError(f"the {name} part is JSON but not an object")
        decoded.append(value)
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    return decoded[0], decoded[1], signing_input, raw[2]


# No header or claim set nests anywhere near this; deeper is an attack on the printers (issue 16 #4).
MAX_JSON_DEPTH = 32


def _too_deep(value: Any) -> bool:
    """True when ``value`` nests lists/objects more than :data:`MAX_JSON_DEPTH` levels (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def pkce_s256(code_verifier: str) -> str:
    """The S256 ``code_challenge`` of a verifier: BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 §4.2)."""
    return b64url_encode(hashlib.sha256(code_verifier.encode("ascii")).digest())


def at_hash_of(access_token: str, alg: str) -> str:
    """``at_hash`` for ``access_token`` under an ID token signed with ``alg`` (OIDC Core §3.1.3.6).

    Hash the ASCII token with the SHA-2 of the alg's size, keep the left half, base64url it.
    ``ValueError`` when ``alg`` names no SHA-2 size (``none``, ``EdDSA``).
    """
    size = alg[-3:]
    if size not in _HASHES:
        raise ValueError(f"cannot compute at_hash for alg {alg!r}")
    digest = _HASHES[size](access_token.encode("ascii")).digest()
    return b64url_encode(digest[: len(digest) // 2])


def c_hash_of(code: str, alg: str) -> str:
    """``c_hash`` for an authorization ``code`` in an ID token signed with ``alg`` (OIDC Core §3.3.2.11).

    The same computation as ``at_hash``, over the code: the left half of the SHA-2 hash of its ASCII, base64url.
    Required in an ID token that the authorization endpoint sends beside a code (``code id_token`` …).
    """
    return at_hash_of(code, alg)


def constant_time_equals(a: str | bytes, b: str | bytes) -> bool:
    """Compare two secrets or digests in constant time (strings as UTF-8)."""
    a_bytes = a.encode("utf-8") if isinstance(a, str) else a
    b_bytes = b.encode("utf-8") if isinstance(b, str) else b
    return hmac.compare_digest(a_bytes, b_bytes)


_HMAC_DIGESTS = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}


def hmac_digest(alg: str, key: bytes, signing_input: bytes, signature: bytes) -> bool:
    """True when ``signature`` is the HS256/384/512 (RFC 7518 §3.2) MAC of ``signing_input``, compared in constant
    time. ``hmac.digest`` is the one-shot C path (no HMAC object), same result as ``hmac.new(...).digest()``."""
    return hmac.compare_digest(hmac.digest(key, signing_input, _HMAC_DIGESTS[alg]), signature)
