"""Random tokens and their digests: what we store instead of a secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TOKEN_BYTES = 32  # 256 bits from the CSPRNG (RF-08 asks for at least 128)


def new_token() -> str:
    """A URL-safe random token: only unreserved characters, 43 of them."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(value: str) -> str:
    """SHA-256 hex digest: enough at rest for high-entropy values (ST-01, ST-02)."""
    return hashlib.sha256(value.encode()).hexdigest()


def same_digest(value: str, stored_digest: str) -> bool:
    """Compare a presented secret with a stored digest in constant time (CA-06)."""
    return hmac.compare_digest(digest(value), stored_digest)


def derive_token(key: str, purpose: str, value: str) -> str:
    """A token computed from another one with the server secret.

    Used for the successor of a refresh token: a retry inside the grace window presents the
    same predecessor and gets the same successor back, without the successor ever being
    stored in clear.
    """
    mac = hmac.digest(key.encode(), f"{purpose}\x00{value}".encode(), "sha256")  # one C call
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
