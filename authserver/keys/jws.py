"""Compact JWS (RFC 7515 §7.1) signed straight with the key objects kept in memory.

joserfc's generic path re-validates and re-serialises the same header on every token, which
cost about a fifth of a client_credentials request. Here the header segment is encoded once
per key and `typ`, and the signature is one call into cryptography. The bytes are those
joserfc produces (tests/keys/test_jws.py compares them). The claims are serialised by orjson,
compact and UTF-8 as joserfc's json.dumps(ensure_ascii=False) makes them, in a tenth of the
time (~15 us of a client_credentials request in process, with the token body's).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import lru_cache

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from .files import PrivateKey, SigningKey

_PKCS1 = padding.PKCS1v15()
_P256_BYTES = 32


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _rs256(key: PrivateKey, data: bytes) -> bytes:
    return key.sign(data, _PKCS1, hashes.SHA256())


def _es256(key: PrivateKey, data: bytes) -> bytes:
    """ECDSA gives DER; JWS wants r and s as two fixed-size big-endian integers (RFC 7518 §3.4)."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(_P256_BYTES, "big") + s.to_bytes(_P256_BYTES, "big")


def _eddsa(key: PrivateKey, data: bytes) -> bytes:
    return key.sign(data)


SIGNERS: dict[str, Callable[[PrivateKey, bytes], bytes]] = {
    "RS256": _rs256, "ES256": _es256, "EdDSA": _eddsa}


@lru_cache(maxsize=64)
def header_segment(alg: str, typ: str, kid: str) -> bytes:
    """The protected header, in joserfc's member order (typ first)."""
    header = {"typ": typ, "alg": alg, "kid": kid}
    return _b64(orjson.dumps(header))


def sign_jwt(key: SigningKey, claims: dict, typ: str) -> str:
    signing_input = header_segment(key.alg, typ, key.kid) + b"." + _b64(orjson.dumps(claims))
    signature = SIGNERS[key.alg](key.jwk.private_key, signing_input)
    return (signing_input + b"." + _b64(signature)).decode("ascii")
