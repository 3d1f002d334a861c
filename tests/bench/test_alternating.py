"""Two servers measured in turn (bench/measure.py): a shared machine's drift between runs
falls on both alike, so their ratio holds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import measure
from load import Run


def test_runs_take_turns_and_each_server_keeps_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []

    def run(subject, seconds, generator) -> Run:
        order.append(subject.name)
        return Run(requests=100, seconds=seconds, rps=100.0 * (len(order)), p50_ms=1.0,
                   p99_ms=2.0, non2xx=0, errors=0)

    monkeypatch.setattr(measure, "_run", run)
    subjects = [measure.Subject(name, server=None, workload=measure.Workload(lambda: None))
                for name in ("ours", "node")]
    ours, node = measure.measure_alternating(subjects, runs=3, seconds=1, generator="wrk")
    assert order == ["ours", "node", "node", "ours", "ours", "node"]
    assert [run.rps for run in ours.runs] == [100, 400, 500]
    assert [run.rps for run in node.runs] == [200, 300, 600]
    assert ours.median.rps == 400 and node.median.rps == 300
