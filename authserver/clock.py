"""The one source of "now" for expiry decisions, so tests can move time instead of sleeping."""

from __future__ import annotations

import time


class Clock:
    """Wall-clock seconds since the epoch, plus an offset that tests may set."""

    def __init__(self) -> None:
        self.offset = 0

    def now(self) -> int:
        return int(time.time()) + self.offset


clock = Clock()
