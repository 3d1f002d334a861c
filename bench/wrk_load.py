"""Drive one request shape with wrk (one thread, pinned to the load CPU) and parse its report."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from load import CONNECTIONS, Request, Run
from procs import LOAD_CPU, pinned

SCRIPT = Path(__file__).resolve().parent / "lua" / "request.lua"
THREADS = 1
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk_command(url: str, request: Request, seconds: float) -> list[str]:
    args = [f"method={request.method}", f"path={request.path}", f"threads={THREADS}",
            *(f"header={name}: {value}" for name, value in request.headers)]
    if request.prefix:
        args.append(f"prefix={request.prefix}")
    if request.tokens is not None:
        args += [f"tokens={request.tokens}", f"suffix={request.suffix}"]
    return pinned(["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s",
                   "--latency", "--timeout", "10s", "-s", str(SCRIPT), url, "--", *args],
                  LOAD_CPU)


def run_wrk(url: str, request: Request, seconds: float) -> Run:
    """One wrk run; raises if wrk fails or its report cannot be read."""
    done = subprocess.run(wrk_command(url, request, seconds), capture_output=True, text=True,
                          timeout=seconds + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse_report(done.stdout)


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNITS_MS[unit]


def parse_report(text: str) -> Run:
    """The figures of `wrk --latency` plus our script's `bench:` line."""
    totals = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.MULTILINE)
    ours = re.search(r"^bench: used=(\d+) non2xx=(\d+)", text, re.MULTILINE)
    if not (totals and rate and p50 and p99 and ours):
        raise RuntimeError(f"unexpected wrk output:\n{text}")
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       text)
    return Run(requests=int(totals[1]),
               seconds=_milliseconds(totals[2] + totals[3]) / 1000,
               rps=float(rate[1]), p50_ms=_milliseconds(p50[1]), p99_ms=_milliseconds(p99[1]),
               non2xx=int(ours[2]),
               errors=sum(int(count) for count in socket.groups()) if socket else 0,
               tokens_used=int(ours[1]))
