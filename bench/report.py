"""Results as JSON-ready dicts, the tables printed from them, and the JSON file."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from measure import Measurement

#: the scaling goal of issue 8: 1M rows may cost at most 10% of the 10k figure
SCALING_GOAL = 0.9


def summarize(measurement: Measurement, floor_rps: float, rsa_sign_rps: float,
              bound: tuple[str, float] | None = None) -> dict:
    """The median run with its ratios; `bound` is the endpoint's own ceiling, if it has one
    (argon2 verify for password logins, RSA verify for the resource-server verifier)."""
    median = measurement.median
    summary = {
        "rps": median.rps, "p50_ms": median.p50_ms, "p99_ms": median.p99_ms,
        "cpu_ms_per_request": median.cpu_ms_per_request,
        "vs_floor": median.rps / floor_rps if floor_rps else None,
        "vs_rsa_sign": median.rps / rsa_sign_rps if rsa_sign_rps else None,
        "non2xx": sum(run.non2xx for run in measurement.runs),
        "errors": sum(run.errors for run in measurement.runs),
        "ran_dry": measurement.ran_dry,
        "runs": [asdict(run) for run in measurement.runs],
    }
    if bound:
        summary["bound"] = {"name": bound[0], "per_second": bound[1],
                            "ratio": median.rps / bound[1] if bound[1] else None}
    return summary


def _number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(line[column]) for line in [header, *rows]) for column in range(len(header))]
    last = len(header) - 1
    lines = ["  ".join(cell.rjust(width) if 0 < column < last else cell.ljust(width)
                       for column, (cell, width) in enumerate(zip(line, widths, strict=True)))
             for line in [header, *rows]]
    lines = [line.rstrip() for line in lines]
    return "\n".join([lines[0], "-" * max(map(len, lines)), *lines[1:]])


def _versus(value: float | None, reference: dict | None, key: str) -> str:
    """`value` as a multiple of node-oidc-provider's figure for the same endpoint."""
    if value is None or not reference or not reference.get(key):
        return "-"
    return f"{value / reference[key]:.2f}"


def endpoint_table(endpoints: dict[str, dict]) -> str:
    """One row per endpoint; /node and p99/node read it against node-oidc-provider's figures
    for the same endpoint, from runs taken in turn with these (issue 8: rate at least 1, p99
    at most 2)."""
    header = ["endpoint", "req/s", "p50 ms", "p99 ms", "CPU ms/req", "/floor", "/RSA sign",
              "/node", "p99/node", "non-2xx", "note"]
    rows = []
    for name, result in endpoints.items():
        if "skipped" in result or "error" in result:
            reason = f"skipped: {result['skipped']}" if "skipped" in result else result["error"]
            rows.append([name, *["-"] * 9, reason])
            continue
        reference = result.get("node")
        bound = result.get("bound")
        notes = [f"{bound['ratio']:.2f} of {bound['name']}"] if bound else []
        if result.get("errors"):
            notes.append(f"{result['errors']} socket errors")
        if result.get("ran_dry"):
            notes.append("token pool ran dry: figures invalid")
        rows.append([name, _number(result["rps"]), _number(result.get("p50_ms"), 1),
                     _number(result.get("p99_ms"), 1),
                     _number(result.get("cpu_ms_per_request"), 2),
                     _number(result["vs_floor"], 2), _number(result["vs_rsa_sign"], 2),
                     _versus(result["rps"], reference, "rps"),
                     _versus(result.get("p99_ms"), reference, "p99_ms"),
                     str(result.get("non2xx", "-")), "; ".join(notes)])
    return _table(header, rows)


def _rows(span: list[int]) -> str:
    """refresh_token rows before and after the runs (rotations add rows as they go)."""
    return f"{span[0]:,}-{span[1]:,}"


def scaling_table(scaling: dict) -> str:
    header = ["endpoint", "rows (small)", "req/s", "CPU ms/req", "rows (large)", "req/s",
              "CPU ms/req", "ratio", "CPU ratio", "goal"]
    rows = [[name, _rows(entry["small"]["rows"]), _number(entry["small"]["rps"]),
             _number(entry["small"]["cpu_ms_per_request"], 2), _rows(entry["large"]["rows"]),
             _number(entry["large"]["rps"]), _number(entry["large"]["cpu_ms_per_request"], 2),
             f"{entry['ratio']:.2f}", f"{entry['cpu_ratio']:.2f}",
             "ok" if entry["ok"] else f"BELOW {SCALING_GOAL}"]
            for name, entry in scaling["endpoints"].items()]
    return _table(header, rows)


def progress(message: str) -> None:
    """A line on stderr, so a long bench shows where it is."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _seeding(seeding: dict) -> str:
    added = seeding["rows_after"] - seeding["rows_before"]
    return (f"seeded {added:,} refresh_token rows in {seeding['seconds']:.1f} s "
            f"(table: {seeding['rows_after']:,} rows)")


def _memory(rss_kib: dict[str, int | None]) -> str:
    return ", ".join(f"{name} {kib / 1024:.0f} MiB" for name, kib in rss_kib.items() if kib)


def _node(node: dict) -> str:
    return (f"{node['rps']:,.0f} req/s, p50 {node['p50_ms']:.1f} ms, p99 {node['p99_ms']:.1f} ms, "
            f"{_number(node['cpu_ms_per_request'], 2)} CPU ms/req, {node['vs_rsa_sign']:.2f} of "
            f"RSA sign, {node['non2xx']} non-2xx")


def print_report(result: dict) -> None:
    rates, floor, machine = result["rates"], result["floor"], result["machine"]
    print(f"\n{result['date']}: {machine['cpus']} CPUs, load average "
          f"{machine['load_average'][0]:.2f}, server pinned: {machine['pinned']}, "
          f"load: {machine['generator']}")
    print("one core, in process: RSA-2048 sign {:,.0f}/s, RSA verify {:,.0f}/s, argon2 verify "
          "{:,.1f}/s".format(*(rates[name]["per_second"]
                               for name in ("rsa_sign", "rsa_verify", "argon2_verify"))))
    print(f"HTTP floor (bare Flask, {machine['server']}, 1 worker): {floor['rps']:,.0f} req/s, "
          f"p50 {floor['p50_ms']:.1f} ms, p99 {floor['p99_ms']:.1f} ms, "
          f"{_number(floor['cpu_ms_per_request'], 2)} CPU ms/req")
    node = result.get("node", {})
    if "skipped" in node:
        print(f"node-oidc-provider skipped: {node['skipped']}")
    for backend, figures in result["backends"].items():
        print(f"\n{backend}: {_seeding(figures['seeding'])}")
        for name, entry in figures["endpoints"].items():
            if "node" in entry:
                print(f"node-oidc-provider {name} (RS256 JWT, 1 process, runs in turn with "
                      f"these): {_node(entry['node'])}")
            if "node_stored" in entry:
                stored = entry["node_stored"]
                print(f"node-oidc-provider {name}, its tokens stored in {backend} (runs in turn "
                      f"with these): {_node(stored)}; authserver "
                      f"{_versus(entry['rps'], stored, 'rps')} of its req/s, p99 "
                      f"{_versus(entry['p99_ms'], stored, 'p99_ms')} of its")
        print(endpoint_table(figures["endpoints"]))
        print(f"RSS after the runs: {_memory(figures['rss_kib'])}")
        if "scaling" in figures:
            scaling = figures["scaling"]
            print(f"\nscaling ({backend}, a second server, runs in turn with the first): "
                  f"{_seeding(scaling['seeding'])}")
            print(scaling_table(scaling))
            print(f"RSS of the second server after the runs: {_memory(scaling['rss_kib'])}")
    for backend, reason in result["skipped_backends"].items():
        print(f"\n{backend} skipped: {reason}")


def write_json(result: dict, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path
