"""What a load generator is asked (Request) and what it reports (Run), whichever one runs.

wrk is the reference (it costs the server's core nothing); the Python generator is the
fallback for machines without wrk, slower but bounded and measured the same way.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

#: connections kept busy by either generator (the issue's setting)
CONNECTIONS = 8
FORM = "application/x-www-form-urlencoded"
T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    """One request shape. With `tokens`, every request takes the next token of that file
    into its body (prefix + token + suffix), and no token is ever taken twice."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    prefix: str = ""
    suffix: str = ""
    tokens: Path | None = None


@dataclass
class Run:
    """One measurement; latencies in milliseconds."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    errors: int
    tokens_used: int = 0
    cpu_ms_per_request: float | None = None


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def middle(ordered: list[T]) -> T:
    """The median of an ordered list; the lower one of the two middles for an even count."""
    return ordered[(len(ordered) - 1) // 2]


def choose_generator(wanted: str) -> str:
    """`auto` means wrk when installed; asking for wrk without it is an error."""
    if wanted == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if wanted == "wrk" and not shutil.which("wrk"):
        raise SystemExit("--load wrk: wrk is not installed (apt-get install wrk)")
    return wanted
