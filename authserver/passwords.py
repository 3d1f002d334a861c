"""Password hashing: argon2id with explicit OWASP parameters, never the library defaults.

Each hash takes ~19 MiB and a core for ~50 ms, so a worker computes at most
AUTHSERVER_PASSWORD_HASH_CONCURRENCY at once (RL-10); a request that cannot get a slot within
AUTHSERVER_PASSWORD_HASH_WAIT seconds raises PasswordHashBusy, which the web layer answers
503 + Retry-After, instead of piling up memory and latency for every other request.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

#: OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1; 16-byte salt, 32-byte tag.
HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1, hash_len=32, salt_len=16)

#: Verified when the account is unknown, so that both answers cost the same (BF-02).
_DUMMY_HASH = HASHER.hash("not a real password: timing equaliser")

#: Seconds a client should wait before retrying after PasswordHashBusy.
RETRY_AFTER = 1


class PasswordHashBusy(Exception):
    """Every hashing slot of this worker is taken: answer 503 + Retry-After (JSON or page)."""


class _Slots:
    """The process-wide bound on concurrent hashes; `configure` sets it from the settings."""

    def __init__(self, size: int, wait: float) -> None:
        self.semaphore = threading.BoundedSemaphore(size)
        self.size, self.wait = size, wait


_slots = _Slots(os.cpu_count() or 1, 0.5)


def configure(concurrency: int | None, wait: float) -> None:
    """Called by create_app; a worker serves one app, so one bound per process is right."""
    global _slots
    _slots = _Slots(concurrency or os.cpu_count() or 1, wait)


@contextmanager
def hashing_slot() -> Iterator[None]:
    slots = _slots
    if not slots.semaphore.acquire(timeout=slots.wait):
        raise PasswordHashBusy()
    try:
        yield
    finally:
        slots.semaphore.release()


def hash_password(password: str) -> str:
    with hashing_slot():
        return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown user) burn the same time and answer False."""
    with hashing_slot():
        try:
            return (HASHER.verify(password_hash or _DUMMY_HASH, password)
                    and password_hash is not None)
        except (VerificationError, InvalidHashError):
            return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash was made with other parameters than HASHER's."""
    return HASHER.check_needs_rehash(password_hash)
