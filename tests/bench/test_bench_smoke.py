"""The bench command keeps working (issue 8): a one-second run of every endpoint on SQLite.

Not a benchmark: the figures of so short a run mean nothing, only that every endpoint was
driven, answered 2xx every time, and that the table and the JSON result were written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = ("discovery", "jwks", "client_credentials", "refresh_token", "introspect",
             "userinfo", "password", "verifier")
#: the scaled table must outgrow what the 1 s runs add to the base one on a fast machine
#: (each refresh inserts its successor: about a thousand rows a second)
SCALE_ROWS = 20_000
SHORT = ("--backend", "sqlite", "--duration", "1", "--runs", "1", "--base-rows", "200",
         "--scale-rows", str(SCALE_ROWS))


def bench(results: Path, *options: str) -> tuple[str, dict]:
    """Run the bench as `make bench` does; its printed table and its JSON result."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), *SHORT,
                           "--results-dir", str(results), *options],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    [path] = results.glob("bench-*.json")
    return done.stdout, json.loads(path.read_text())


def assert_all_2xx(figures: dict) -> None:
    """Measured (or skipped with a reason), and never an answer outside 2xx."""
    assert "error" not in figures
    if "skipped" not in figures:
        assert figures["rps"] > 0
        assert figures.get("non2xx", 0) == 0 and figures.get("errors", 0) == 0


def test_bench_measures_every_endpoint_and_the_scaling(tmp_path: Path) -> None:
    table, result = bench(tmp_path)  # wrk when installed, else the Python generator
    sqlite = result["backends"]["sqlite"]
    assert tuple(sqlite["endpoints"]) == ENDPOINTS
    for name in ENDPOINTS:
        assert_all_2xx(sqlite["endpoints"][name])
        assert name in table
    assert "p99 ms" in table and "/RSA sign" in table
    assert result["floor"]["rps"] > 0 and result["rates"]["rsa_sign"]["per_second"] > 0
    scaled = sqlite["scaling"]["endpoints"]
    assert set(scaled) == {"refresh_token", "introspect"}
    for name, entry in scaled.items():
        assert entry["large"]["rows"][0] >= SCALE_ROWS > entry["small"]["rows"][0]
        assert_all_2xx(entry["large"])
        # both sizes measured again, in turn (a second server holds the large table)
        assert_all_2xx(entry["small"])
        assert entry["small"]["runs"] != sqlite["endpoints"][name]["runs"]
        assert len(entry["small"]["runs"]) == len(entry["large"]["runs"])
    assert any(kib for kib in sqlite["scaling"]["rss_kib"].values())
    assert any(kib for kib in sqlite["rss_kib"].values())
    assert_node_measured(result, table)


def assert_node_measured(result: dict, table: str) -> None:
    """node-oidc-provider's client_credentials and rotating refresh_token, run for run in turn
    with ours on each backend, all 2xx, and our rows read against them; or, without node or
    its package here, the reason."""
    node = result["node"]
    if "skipped" in node:
        assert node["skipped"]
        return
    for figures in result["backends"].values():
        for name in ("client_credentials", "refresh_token"):
            ours = figures["endpoints"][name]
            assert_all_2xx(ours["node"])
            assert len(ours["node"]["runs"]) == len(ours["runs"])
            assert f"node-oidc-provider {name}" in table
        assert all("node" not in entry for name, entry in figures["endpoints"].items()
                   if name not in ("client_credentials", "refresh_token"))
    assert "/node" in table and "p99/node" in table
    sqlite = result["backends"]["sqlite"]["endpoints"].values()
    assert all("node_stored" not in entry for entry in sqlite)  # PostgreSQL's reference only


@pytest.mark.skipif(not os.environ.get("AUTHSERVER_TEST_DATABASE_URL"),
                    reason="a PostgreSQL reference: AUTHSERVER_TEST_DATABASE_URL")
def test_bench_reads_refresh_against_node_storing_its_tokens_in_postgresql(tmp_path: Path
                                                                           ) -> None:
    """On PostgreSQL the refresh_token runs take turns with a second node-oidc-provider that
    stores its rotation in the same database (bench/node_oidc/pg_adapter.mjs)."""
    table, result = bench(tmp_path, "--backend", "postgresql", "--no-scale",
                          "--only", "client_credentials,refresh_token")
    endpoints = result["backends"]["postgresql"]["endpoints"]
    if "skipped" in result["node"]:
        assert all("node_stored" not in entry for entry in endpoints.values())
        return
    refresh = endpoints["refresh_token"]
    assert_all_2xx(refresh["node_stored"])
    assert len(refresh["node_stored"]["runs"]) == len(refresh["runs"])
    assert "node-oidc-provider refresh_token, its tokens stored in postgresql" in table
    assert "node_stored" not in endpoints["client_credentials"]


def test_bench_runs_without_wrk(tmp_path: Path) -> None:
    table, result = bench(tmp_path, "--load", "python", "--no-scale",
                          "--only", "client_credentials,refresh_token")
    assert result["machine"]["generator"] == "python" and "refresh_token" in table
    endpoints = result["backends"]["sqlite"]["endpoints"]
    assert set(endpoints) == {"client_credentials", "refresh_token"}
    for figures in endpoints.values():
        assert_all_2xx(figures)
    assert "scaling" not in result["backends"]["sqlite"]
