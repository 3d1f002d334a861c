"""`make bench`: authserver's requests per second on one core, read against the HTTP floor
and the RSA-2048 sign rate measured in the same run (issue 8; the README's Performance
section says how to read the table).

    .venv/bin/python bench/run.py [--backend sqlite|postgresql|all] [--only a,b] [--duration S]
                                  [--runs N] [--no-scale] [--scale-rows N] [--load wrk|python]
                                  [--server granian|gunicorn]

Exits 1 when a measurement is invalid (an answer outside 2xx, a socket error, a token pool
that ran dry), so a broken endpoint cannot pass for a fast one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backends import postgres_unavailable
from endpoints import ENDPOINTS
from load import Request, choose_generator
from measure import Measurement, Workload, measure
from peer import NAME as PEER
from peer import REFERENCES, node_peer
from procs import LOAD_CPU, SERVER_CPU, can_pin, pin_self, pinned
from report import print_report, progress, summarize, write_json
from servers import start_floor, stop
from suite import Bounds, Options, run_backend

from authserver.cli.serve import RUNNERS

BENCH_DIR = Path(__file__).resolve().parent
#: seconds of each in-process rate (RSA sign, RSA verify, argon2 verify)
RATE_SECONDS = 2.0
#: refresh tokens seeded per second of run at least: with twice the floor, more than this
#: stack can rotate (a faster WSGI server could beat the gunicorn floor, not this)
MIN_POOL_RATE = 3000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "all"), default="all",
                        help="all: SQLite, and PostgreSQL when it answers (default)")
    parser.add_argument("--only", default=",".join(ENDPOINTS),
                        help=f"comma-separated endpoints (default: {','.join(ENDPOINTS)})")
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median run "
                        "is reported (default 3)")
    parser.add_argument("--scale", action=argparse.BooleanOptionalAction, default=True,
                        help="measure refresh_token and introspect again with --scale-rows")
    parser.add_argument("--base-rows", type=int, default=10_000,
                        help="refresh_token rows seeded first (default 10,000)")
    parser.add_argument("--scale-rows", type=int, default=1_000_000,
                        help="refresh_token rows for the scaling figures (default 1,000,000)")
    parser.add_argument("--load", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator (auto: wrk when installed)")
    parser.add_argument("--server", choices=tuple(RUNNERS), default="granian",
                        help="`authserver serve --server` for authserver and the floor "
                        "(default granian, as `authserver serve`)")
    parser.add_argument("--node", action=argparse.BooleanOptionalAction, default=True,
                        help="measure node-oidc-provider's client_credentials and refresh_token "
                        "too, in alternation with authserver's runs, when installed "
                        "(bench/node_oidc/README.md)")
    parser.add_argument("--results-dir", type=Path, default=BENCH_DIR / "results")
    args = parser.parse_args(argv)
    args.only = tuple(name.strip() for name in args.only.split(",") if name.strip())
    unknown = set(args.only) - set(ENDPOINTS)
    if unknown or not args.only:
        parser.error(f"--only: unknown {', '.join(sorted(unknown))} "
                     f"(known: {', '.join(ENDPOINTS)})")
    if args.duration < 1 or args.runs < 1:
        parser.error("--duration and --runs must be at least 1")
    return args


def choose_backends(wanted: str) -> tuple[list[str], dict[str, str]]:
    """The backends to run, and why any was left out."""
    if wanted == "sqlite":
        return ["sqlite"], {}
    reason = postgres_unavailable()
    if wanted == "postgresql" and reason:
        raise SystemExit(f"PostgreSQL is not usable: {reason}")
    return (["sqlite"] if wanted == "all" else []) + ([] if reason else ["postgresql"]), \
        ({"postgresql": reason} if reason else {})


def measure_rates(seconds: float) -> dict:
    """RSA and argon2 rates in a process pinned to the server's core."""
    done = subprocess.run(pinned([sys.executable, str(BENCH_DIR / "rates.py"), str(seconds)],
                                 SERVER_CPU),
                          capture_output=True, text=True, check=True, timeout=20 * seconds + 60)
    return json.loads(done.stdout)


def measure_floor(runs: int, seconds: int, generator: str, http_server: str) -> Measurement:
    with tempfile.TemporaryDirectory(prefix="authserver-bench-floor-") as folder:
        server = start_floor(Path(folder), http_server)
        try:
            return measure("floor", server, Workload(lambda: Request("GET", "/")), runs,
                           seconds, generator)
        finally:
            stop(server)


def machine(generator: str, http_server: str) -> dict:
    return {"cpus": os.cpu_count(), "pinned": can_pin(), "load_average": os.getloadavg(),
            "python": platform.python_version(), "platform": platform.platform(),
            "generator": generator, "server": http_server}


def invalid(result: dict) -> list[str]:
    """What makes a figure untrustworthy: answers outside 2xx, socket errors, a dry pool."""
    found = []
    for backend, figures in result["backends"].items():
        scaled = [(f"{name} ({size})", entry[size])
                  for name, entry in figures.get("scaling", {}).get("endpoints", {}).items()
                  for size in ("small", "large")]
        measured = [(f"{backend} {name}", entry)
                    for name, entry in [*figures["endpoints"].items(), *scaled]]
        measured += [(f"{reference.name} {name} (with {backend})", entry[reference.key])
                     for name, entry in figures["endpoints"].items()
                     for reference in REFERENCES if reference.key in entry]
        for label, entry in measured:
            if "error" in entry:
                found.append(f"{label}: {entry['error']}")
            elif entry.get("non2xx") or entry.get("errors") or entry.get("ran_dry"):
                found.append(f"{label}: {entry.get('non2xx')} non-2xx, "
                             f"{entry.get('errors')} socket errors, token pool ran dry: "
                             f"{entry.get('ran_dry', False)}")
    return found


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pin_self(LOAD_CPU)
    generator = choose_generator(args.load)
    backends, skipped = choose_backends(args.backend)
    result: dict = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                    "machine": machine(generator, args.server),
                    "options": {**vars(args), "results_dir": str(args.results_dir)},
                    "skipped_backends": skipped}
    progress("in-process rates (RSA sign, RSA verify, argon2 verify)")
    rates = result["rates"] = measure_rates(min(RATE_SECONDS, args.duration / 4))
    progress("HTTP floor")
    floor = measure_floor(args.runs, args.duration, generator, args.server)
    bounds = Bounds(floor_rps=floor.median.rps, rsa_sign=rates["rsa_sign"]["per_second"],
                    rsa_verify=rates["rsa_verify"]["per_second"],
                    argon2_verify=rates["argon2_verify"]["per_second"],
                    refresh_rate_bound=max(2 * max(run.rps for run in floor.runs),
                                           MIN_POOL_RATE))
    result["floor"] = summarize(floor, bounds.floor_rps, bounds.rsa_sign)
    options = Options(args.runs, args.duration, generator, args.server, args.only, args.scale,
                      args.base_rows, args.scale_rows)
    with node_peer(args.node) as (peer, reason):
        progress(f"{PEER}: {reason or 'measured in alternation with each backend'}")
        result["node"] = {"skipped": reason} if reason else {"alternating": True}
        result["backends"] = {backend: run_backend(backend, options, bounds, peer)
                              for backend in backends}
    print_report(result)
    print(f"\nresults: {write_json(result, args.results_dir)}")
    problems = invalid(result)
    for problem in problems:
        print(f"INVALID: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
