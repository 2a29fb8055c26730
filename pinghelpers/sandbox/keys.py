"""The local sandbox's signing key: RSA with a self-signed certificate, published as a JWK with ``x5t``/``x5c``.

PingOne signs ID and access tokens with RS256 and publishes its keys at ``/as/jwks`` with ``kid``, ``use``,
``x5t`` (the certificate's SHA-1 thumbprint, base64url — RFC 7517 §4.8) and ``x5c`` (the certificate, standard
base64 DER — RFC 7517 §4.7, *not* base64url).
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ..jose import b64url_encode

__all__ = ["SigningKey"]


def _kid(cert_der: bytes) -> str:
    """A stable key id: the certificate's SHA-256, base64url, first 22 characters (sandbox choice)."""
    return b64url_encode(hashlib.sha256(cert_der).digest())[:22]


@dataclass
class SigningKey:
    """An RSA key with its self-signed certificate, published in the JWKS with kid/use/x5t/x5c."""

    private_key: rsa.RSAPrivateKey
    kid: str
    cert_der: bytes

    @classmethod
    def generate(cls, *, bits: int = 2048) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PingOne local sandbox signing key")])
        now = time.time()
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_dt.datetime.fromtimestamp(now - 60, tz=_dt.timezone.utc))
            .not_valid_after(_dt.datetime.fromtimestamp(now + 365 * 86400, tz=_dt.timezone.utc))
            .sign(key, hashes.SHA256())
        )
        der = cert.public_bytes(serialization.Encoding.DER)
        return cls(private_key=key, kid=_kid(der), cert_der=der)

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the sandbox signing key must be RSA")
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PingOne local sandbox signing key")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(1)
            .not_valid_before(_dt.datetime(2025, 1, 1, tzinfo=_dt.timezone.utc))
            .not_valid_after(_dt.datetime(2035, 1, 1, tzinfo=_dt.timezone.utc))
            .sign(key, hashes.SHA256())
        )
        der = cert.public_bytes(serialization.Encoding.DER)
        return cls(private_key=key, kid=_kid(der), cert_der=der)

    def jwk(self) -> dict[str, Any]:
        """The public JWK (computed once: JWKS requests are frequent and the key never changes)."""
        cached: dict[str, Any] | None = self.__dict__.get("_jwk")
        if cached is not None:
            return cached
        numbers = self.private_key.public_key().public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        jwk = {
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "alg": "RS256",
            "n": b64url_encode(n),
            "e": b64url_encode(e),
            "x5t": b64url_encode(hashlib.sha1(self.cert_der).digest()),  # noqa: S324 - x5t is defined as SHA-1
            "x5c": [base64.b64encode(self.cert_der).decode("ascii")],
        }
        self.__dict__["_jwk"] = jwk
        return jwk

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        """The public half, for verifying the tokens this issuer signed."""
        cached: rsa.RSAPublicKey | None = self.__dict__.get("_public")
        if cached is None:
            cached = self.private_key.public_key()
            self.__dict__["_public"] = cached
        return cached
