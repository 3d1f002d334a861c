"""Counters for rate limits and lockouts: in Redis (shared by every instance) or in memory.

Built on `limits`, the library under Flask-Limiter (same storage URLs, same `10/minute`
notation), called directly: Flask-Limiter's decorators resolve every request's limits anew
and its memory storage starts a timer thread every 10 ms, together ~0.3 ms of a ~1 ms
client_credentials request (measured), for limits that here are fixed per endpoint. In memory,
the rate limits' fixed windows are a dict of our own (MemoryWindows); lockouts keep limits'
memory storage.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from limits import RateLimitItem
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, RateLimiter
from limits.util import WindowStats

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


class MemoryWindows:
    """Fixed windows in one dict, answering as limits' FixedWindowRateLimiter does over its
    memory storage: a window opens at its first hit and lasts the item's expiry; a hit
    counts, then passes while the count is within the amount.

    limits' version builds a key string, checks expiry in a separate call and takes a lock
    per key: two hits of a client_credentials request cost ~27 us in process, ~7 us here.
    `storage` is limits' memory storage, for the lockouts (lockout.py), which use it directly.
    """

    SWEEP_SECONDS = SweptMemoryStorage.SWEEP_SECONDS

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self.storage = SweptMemoryStorage()
        self.now = now
        self._windows: dict[tuple, list] = {}  # key -> [expires_at, count]
        self._lock = threading.Lock()
        self._next_sweep = now() + self.SWEEP_SECONDS

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        now = self.now()
        key = _window_key(item, identifiers)
        with self._lock:
            window = self._open(key, now)
            if window is None:
                window = self._windows[key] = [now + item.get_expiry(), 0]
            window[1] += cost
            count = window[1]
            if now >= self._next_sweep:
                self._sweep(now)
        return count <= item.amount

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """When the window resets, and what is left of it."""
        now = self.now()
        window = self._open(_window_key(item, identifiers), now)
        if window is None:
            return WindowStats(now, item.amount)
        return WindowStats(window[0], max(0, item.amount - window[1]))

    def _open(self, key: tuple, now: float) -> list | None:
        """The key's window if it has not ended."""
        window = self._windows.get(key)
        return window if window is not None and window[0] > now else None

    def _sweep(self, now: float) -> None:
        """Drop ended windows, so that keys nobody presents again do not pile up."""
        self._next_sweep = now + self.SWEEP_SECONDS
        for key in [key for key, window in self._windows.items() if window[0] <= now]:
            del self._windows[key]


def _window_key(item: RateLimitItem, identifiers: tuple[str, ...]) -> tuple:
    """One window per limit (amount per period) and identifiers."""
    return (item.amount, item.multiples, item.GRANULARITY.seconds, *identifiers)


def counting_in(redis_url: str | None, key_prefix: str) -> Counters:
    """Counters in Redis when a URL is given, else in this process's memory."""
    if not redis_url:
        return Counters(MemoryWindows())
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

    def __init__(self, primary: RateLimiter | MemoryWindows) -> None:
        self.primary = primary
        self.memory = MemoryWindows()
        self.down_until = 0.0

    def run(self, action: Callable[[RateLimiter | MemoryWindows], T]) -> T:
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
