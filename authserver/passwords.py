"""Password hashing: argon2id with explicit OWASP parameters, never the library defaults."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

#: OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1; 16-byte salt, 32-byte tag.
HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1, hash_len=32, salt_len=16)

#: Verified when the account is unknown, so that both answers cost the same (BF-02).
_DUMMY_HASH = HASHER.hash("not a real password: timing equaliser")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown user) burn the same time and answer False."""
    try:
        return HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash was made with other parameters than HASHER's."""
    return HASHER.check_needs_rehash(password_hash)
