"""The in-memory rate-limit windows (counters.MemoryWindows) answer as limits'
FixedWindowRateLimiter over its memory storage, which they replace on the hot path."""

from __future__ import annotations

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from authserver.counters import Counters, MemoryWindows


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_same_answers_as_limits_fixed_window():
    ours, theirs = MemoryWindows(), FixedWindowRateLimiter(MemoryStorage())
    three, five = parse("3/minute"), parse("5/hour")
    for identifiers in [("/token", "ip", "a")] * 5 + [("/token", "ip", "b")] * 2:
        for item in (three, five):
            assert ours.hit(item, *identifiers) == theirs.hit(item, *identifiers)
            assert (ours.get_window_stats(item, *identifiers).remaining
                    == theirs.get_window_stats(item, *identifiers).remaining)


def test_a_window_opens_at_its_first_hit_and_ends_after_its_expiry():
    clock = Clock()
    windows = MemoryWindows(now=clock)
    item = parse("2/minute")
    assert windows.get_window_stats(item, "k") == (clock.now, 2)
    opened = clock.now
    clock.now += 10
    assert windows.hit(item, "k")
    clock.now += 30
    assert windows.hit(item, "k")
    assert not windows.hit(item, "k")
    assert windows.get_window_stats(item, "k") == (opened + 10 + 60, 0)
    clock.now = opened + 10 + 60  # the window's end
    assert windows.hit(item, "k")
    assert windows.get_window_stats(item, "k") == (clock.now + 60, 1)


def test_limits_and_identifiers_count_apart():
    windows = MemoryWindows(now=Clock())
    one_a_minute, one_an_hour = parse("1/minute"), parse("1/hour")
    assert windows.hit(one_a_minute, "k")
    assert windows.hit(one_an_hour, "k")
    assert windows.hit(one_a_minute, "other")
    assert not windows.hit(one_a_minute, "k")


def test_ended_windows_are_swept():
    clock = Clock()
    windows = MemoryWindows(now=clock)
    item = parse("5/second")
    for key in range(100):
        windows.hit(item, str(key))
    clock.now += windows.SWEEP_SECONDS
    windows.hit(item, "late")
    assert list(windows._windows) == [(5, 1, 1, "late")]


def test_lockouts_keep_limits_memory_storage():
    counters = Counters(MemoryWindows())
    storage = counters.run(lambda strategy: strategy.storage)
    assert isinstance(storage, MemoryStorage)
    assert storage.incr("lockout/alice", 60) == 1
