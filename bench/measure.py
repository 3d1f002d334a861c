"""Repeated runs of one workload against one server, with the server's CPU time per request.

A workload prepares each run's request (a fresh access token, a fresh slice of refresh
tokens) and cleans up after it; the median run by req/s is the figure reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from load import Request, Run, middle
from procs import settle
from python_load import run_python
from servers import Server
from wrk_load import run_wrk

#: the Python generator's request cap per second of run, when no token pool bounds it
PYTHON_MAX_RATE = 50_000


class Workload:
    """The same request every run."""

    def __init__(self, make: Callable[[], Request]) -> None:
        self.make = make

    def prepare(self, seconds: float) -> Request:
        return self.make()

    def finish(self, run: Run) -> None:
        """Nothing to undo."""

    def capacity(self, seconds: float) -> int:
        return int(seconds * PYTHON_MAX_RATE)


class RefreshPool(Workload):
    """Each run gets its own fresh tokens, `rate_bound` per second of run: more than the
    server can rotate, so the pool never runs dry. What the run did not take was never sent,
    and is handed to `forget` afterwards; a token is never offered twice."""

    def __init__(self, folder: Path, rate_bound: float, make: Callable[[Path], Request],
                 seed: Callable[[int], list[str]], forget: Callable[[list[str]], None]) -> None:
        super().__init__(lambda: make(folder / "tokens.txt"))
        self.rate_bound, self.seed, self.forget = rate_bound, seed, forget
        self.path = folder / "tokens.txt"
        self.tokens: list[str] = []
        self.exhausted = False

    def capacity(self, seconds: float) -> int:
        return math.ceil(seconds * self.rate_bound) + 100

    def prepare(self, seconds: float) -> Request:
        self.tokens = self.seed(self.capacity(seconds))
        self.path.write_text("\n".join(self.tokens) + "\n")
        return self.make()

    def finish(self, run: Run) -> None:
        self.exhausted |= run.tokens_used >= len(self.tokens)
        self.forget(self.tokens[run.tokens_used:])
        self.path.unlink()


@dataclass
class Measurement:
    name: str
    runs: list[Run] = field(default_factory=list)
    #: a run took every token of its pool: some requests carried no valid token
    ran_dry: bool = False

    @property
    def median(self) -> Run:
        return middle(sorted(self.runs, key=lambda run: run.rps))


@dataclass(frozen=True)
class Subject:
    """One server under measurement and the workload that drives it."""

    name: str
    server: Server
    workload: Workload


def measure(name: str, server: Server, workload: Workload, runs: int, seconds: float,
            generator: str) -> Measurement:
    return measure_alternating([Subject(name, server, workload)], runs, seconds, generator)[0]


def measure_alternating(subjects: list[Subject], runs: int, seconds: float,
                        generator: str) -> list[Measurement]:
    """`runs` runs of each subject, taking turns (A B, B A, A B, ...): whatever the shared
    machine does meanwhile (other tenants, a slower core) falls on all of them alike, so
    their ratio holds even when their absolute figures drift between runs."""
    measurements = [Measurement(subject.name) for subject in subjects]
    pairs = list(zip(subjects, measurements, strict=True))
    for turn in range(runs):
        for subject, measurement in pairs if turn % 2 == 0 else pairs[::-1]:
            measurement.runs.append(_run(subject, seconds, generator))
    for subject, measurement in pairs:
        workload = subject.workload
        measurement.ran_dry = isinstance(workload, RefreshPool) and workload.exhausted
    return measurements


def _run(subject: Subject, seconds: float, generator: str) -> Run:
    workload, server = subject.workload, subject.server
    request = workload.prepare(seconds)
    before = settle(server.process.pid)
    if generator == "wrk":
        run = run_wrk(server.url, request, seconds)
    else:
        run = run_python(server.url, request, seconds, workload.capacity(seconds))
    # requests in flight when the load stopped are finished and counted too: at most
    # one per connection, a small overestimate of CPU per completed request
    used = settle(server.process.pid) - before
    run.cpu_ms_per_request = used * 1000 / run.requests if run.requests else None
    workload.finish(run)
    return run
