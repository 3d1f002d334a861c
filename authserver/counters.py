"""Counters for rate limits and lockouts: in Redis (shared by every instance) or in memory.

Built on `limits`, the library under Flask-Limiter (same storage URLs, same `10/minute`
notation), called directly: Flask-Limiter's decorators resolve every request's limits anew
and its memory storage starts a timer thread every 10 ms, together ~0.3 ms of a ~1 ms
client_credentials request (measured), for limits that here are fixed per endpoint.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, RateLimiter

log = logging.getLogger("authserver")
#: seconds a Redis call may take before the worker counts in memory instead: a Redis host
#: that vanished from the network must not hang requests
REDIS_TIMEOUT = 0.5
T = TypeVar("T")


class SweptMemoryStorage(MemoryStorage):
    """limits' memory storage, dropping expired keys inline every SWEEP_SECONDS instead of
    from a new timer thread 10 ms after (nearly) every hit. A key is also checked for expiry
    whenever it is read, so the sweep only bounds the memory of keys nobody asks about."""

    STORAGE_SCHEME = ["authserver-memory"]
    SWEEP_SECONDS = 10.0

    def __init__(self) -> None:
        super().__init__()
        self.next_sweep = time.monotonic() + self.SWEEP_SECONDS

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the timer thread
        now = time.monotonic()
        if now >= self.next_sweep:
            self.next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()


def in_memory() -> RateLimiter:
    return FixedWindowRateLimiter(SweptMemoryStorage())


def counting_in(redis_url: str | None, key_prefix: str) -> Counters:
    """Counters in Redis when a URL is given, else in this process's memory."""
    if not redis_url:
        return Counters(in_memory())
    storage = storage_from_string(redis_url, key_prefix=key_prefix,
                                  socket_connect_timeout=REDIS_TIMEOUT,
                                  socket_timeout=REDIS_TIMEOUT)
    return Counters(FixedWindowRateLimiter(storage))


class Counters:
    """The rate-limit and lockout counters, and what happens when Redis stops answering.

    Then this worker counts in its own memory for OUTAGE_SECONDS before trying Redis again:
    limits keep holding per worker, instead of every request failing or none being limited.
    """

    OUTAGE_SECONDS = 5

    def __init__(self, primary: RateLimiter) -> None:
        self.primary = primary
        self.memory = in_memory()
        self.down_until = 0.0

    def run(self, action: Callable[[RateLimiter], T]) -> T:
        if time.monotonic() >= self.down_until:
            try:
                return action(self.primary)
            except Exception:
                if self.primary.storage is self.memory.storage:
                    raise
                log.warning("rate-limit storage unavailable: counting in memory for %s s",
                            self.OUTAGE_SECONDS)
                self.down_until = time.monotonic() + self.OUTAGE_SECONDS
        return action(self.memory)
