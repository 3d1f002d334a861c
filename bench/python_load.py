"""The fallback load generator: CONNECTIONS threads, each with its own http.client connection.

Bounded by time and by a request count. Slower than wrk (it shares the GIL), so its figures
are a lower bound; it exists so the suite and its smoke test run where wrk is missing.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from load import CONNECTIONS, Request, Run, percentile


class _Tokens:
    """Hands out the lines of a token file, each once, to any number of threads."""

    def __init__(self, path: Path | None) -> None:
        self._values: Iterator[str] = iter(path.read_text().split() if path else ())
        self._lock = threading.Lock()
        self.used = 0

    def take(self) -> str:
        with self._lock:
            self.used += 1
            return next(self._values, "exhausted")


class _Tally:
    """What the threads measured, merged under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies_ms: list[float] = []
        self.non2xx = 0
        self.errors = 0


def run_python(url: str, request: Request, seconds: float, max_requests: int) -> Run:
    """Drive `request` until `seconds` pass or `max_requests` were sent."""
    parts = urlsplit(url)
    tokens = _Tokens(request.tokens)
    tally = _Tally()
    budget = threading.Semaphore(max_requests)
    started = time.perf_counter()
    deadline = started + seconds
    threads = [threading.Thread(target=_worker, daemon=True,
                                args=(parts.hostname, parts.port, request, tokens, tally, budget,
                                      deadline))
               for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    elapsed = time.perf_counter() - started
    latencies = sorted(tally.latencies_ms)
    return Run(requests=len(latencies), seconds=elapsed, rps=len(latencies) / elapsed,
               p50_ms=percentile(latencies, 0.50), p99_ms=percentile(latencies, 0.99),
               non2xx=tally.non2xx, errors=tally.errors,
               tokens_used=tokens.used if request.tokens else 0)


def _worker(host: str, port: int, request: Request, tokens: _Tokens, tally: _Tally,
            budget: threading.Semaphore, deadline: float) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    headers = dict(request.headers)
    while time.perf_counter() < deadline and budget.acquire(blocking=False):
        body = request.prefix or None
        if request.tokens is not None:
            body = request.prefix + tokens.take() + request.suffix
        sent = time.perf_counter()
        try:
            connection.request(request.method, request.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            with tally.lock:
                tally.errors += 1
            continue
        elapsed_ms = (time.perf_counter() - sent) * 1000
        with tally.lock:
            tally.latencies_ms.append(elapsed_ms)
            tally.non2xx += not 200 <= status < 300
    connection.close()
