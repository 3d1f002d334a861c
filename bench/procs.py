"""CPU pinning and what /proc says about a server: CPU time and memory of its processes.

The server runs on CPU 0 and the load generator on CPU 1, so neither steals the other's
core and the server's CPU time per request is its own.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from pathlib import Path

SERVER_CPU = 0
LOAD_CPU = 1
_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


@functools.cache
def can_pin() -> bool:
    """Pinning needs taskset and both CPUs in our affinity set (asked once, before
    pin_self narrows that set)."""
    return shutil.which("taskset") is not None and {SERVER_CPU, LOAD_CPU} <= os.sched_getaffinity(0)


def pinned(command: list[str], cpu: int) -> list[str]:
    """The command run on one CPU (taskset execs it: the process id stays the same)."""
    return ["taskset", "-c", str(cpu), *command] if can_pin() else command


def pin_self(cpu: int) -> None:
    """Keep this process (seeding, in-process measurements, the Python load) off the
    server's core."""
    if can_pin():
        os.sched_setaffinity(0, {cpu})


def children(pid: int) -> list[int]:
    """Direct children (gunicorn's workers), from /proc/<pid>/task/*/children."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.extend(int(child) for child in task.read_text().split())
        except OSError:
            continue
    return found


def _stat_fields(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2:].split()


def cpu_seconds(master: int) -> float:
    """CPU time used so far by a server: the master with its reaped children (cutime,
    cstime, so a restarted worker still counts) plus its live workers."""
    fields = _stat_fields(master)
    # after the name: state=0 ... utime=11 stime=12 cutime=13 cstime=14
    ticks = sum(int(fields[index]) for index in (11, 12, 13, 14))
    for child in children(master):
        try:
            child_fields = _stat_fields(child)
        except OSError:  # exited between the two reads: its time is in cutime next time
            continue
        ticks += int(child_fields[11]) + int(child_fields[12])
    return ticks / _TICKS_PER_SECOND


def settle(master: int, seconds: float = 10.0) -> float:
    """Wait until the server stops using CPU (requests still queued when the load stopped
    are done), at most `seconds`; returns its CPU time then."""
    used = cpu_seconds(master)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = cpu_seconds(master)
        if now == used:
            return now
        used = now
    return used


def rss_kib(pid: int) -> int | None:
    """Resident memory (VmRSS) of one process, in KiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None
