"""One backend's bench: a fresh database and folder, `authserver init`, seeding, the server,
every endpoint, memory, then the same lookups again with a table 100 times larger."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from backends import database
from endpoints import NEED_ACCESS_TOKEN, http_request, login
from flask import Flask
from inprocess import measure_verifier, verifier_unavailable
from measure import RefreshPool, Subject, Workload, measure_alternating
from peer import ENDPOINTS as PEER_ENDPOINTS
from peer import NAME as PEER
from peer import STORED_ENDPOINTS, STORED_NAME, NodePeer, stored_node_peer
from procs import rss_kib
from report import SCALING_GOAL, progress, summarize
from seeding import (
    Accounts,
    forget_pool,
    refresh_token_rows,
    seed_accounts,
    seed_background,
    seed_pool,
)
from servers import (
    Server,
    free_port,
    init_authserver,
    production_settings,
    start_authserver,
    stop,
)

from authserver import create_app
from authserver.extensions import db

#: the lookups whose cost must not grow with the refresh_token table
SCALED = ("refresh_token", "introspect")


@dataclass(frozen=True)
class Options:
    runs: int
    seconds: int
    generator: str
    http_server: str
    endpoints: tuple[str, ...]
    scale: bool
    base_rows: int
    scale_rows: int


@dataclass(frozen=True)
class Bounds:
    """What the backend's figures are read against, measured once per bench."""

    floor_rps: float
    rsa_sign: float
    rsa_verify: float
    argon2_verify: float
    #: more refresh tokens per second than any run can rotate (sizes the token pool)
    refresh_rate_bound: float


class Bench:
    """A running server on a seeded database, and how to drive each endpoint against it."""

    def __init__(self, backend: str, app: Flask, server: Server, accounts: Accounts,
                 folder: Path, options: Options, bounds: Bounds, peer: NodePeer | None,
                 stored_peer: NodePeer | None = None) -> None:
        self.backend, self.app, self.server, self.accounts = backend, app, server, accounts
        self.folder, self.options, self.bounds, self.peer = folder, options, bounds, peer
        self.stored_peer = stored_peer

    def workload(self, name: str) -> Workload:
        if name == "refresh_token":
            return RefreshPool(self.folder, self.bounds.refresh_rate_bound,
                               lambda tokens: http_request(name, self.accounts, tokens=tokens),
                               lambda size: seed_pool(self.app, self.accounts, size),
                               lambda tokens: forget_pool(self.app, tokens))
        if name in NEED_ACCESS_TOKEN:
            return Workload(lambda: http_request(name, self.accounts, self.access_token()))
        return Workload(lambda: http_request(name, self.accounts))

    def access_token(self) -> str:
        return login(self.server.url, self.accounts)

    def endpoint(self, name: str, paired: bool = True) -> dict:
        """One endpoint's figures, with the refresh_token rows before and after its runs;
        where node-oidc-provider serves the same, its figures from runs taken in turn with
        these (`paired`) under "node", and those of the one storing its tokens in PostgreSQL
        under "node_stored"."""
        rows = refresh_token_rows(self.app)
        progress(f"{self.backend} {name} ({rows:,} refresh_token rows)")
        if name == "verifier":
            return {**self.verifier(), "rows": [rows, refresh_token_rows(self.app)]}
        options = self.options
        peers = [(key, label, peer) for key, label, peer, serves in (
            ("node", PEER, self.peer, PEER_ENDPOINTS),
            ("node_stored", STORED_NAME, self.stored_peer, STORED_ENDPOINTS))
            if paired and peer and name in serves]
        subjects = [Subject(name, self.server, self.workload(name)),
                    *(Subject(label, peer.server,
                              peer.workload(name, self.bounds.refresh_rate_bound))
                      for _, label, peer in peers)]
        measured, *references = measure_alternating(subjects, options.runs, options.seconds,
                                                     options.generator)
        bound = ("argon2 verify", self.bounds.argon2_verify) if name == "password" else None
        result = summarize(measured, self.bounds.floor_rps, self.bounds.rsa_sign, bound)
        for (key, _, peer), reference in zip(peers, references, strict=True):
            peer.measured(name, reference)
            result[key] = summarize(reference, self.bounds.floor_rps, self.bounds.rsa_sign)
        return {**result, "rows": [rows, refresh_token_rows(self.app)]}

    def verifier(self) -> dict:
        """In process, on the server's core while the server idles (bench/verifier.py
        splits the time into interleaved rounds and keeps the best)."""
        reason = verifier_unavailable()
        if reason:
            return {"skipped": reason}
        return measure_verifier(self.options.seconds / 2)

    def memory(self) -> dict[str, int | None]:
        pids = {"master": self.server.process.pid}
        pids.update({f"worker {pid}": pid for pid in self.server.workers()})
        return {name: rss_kib(pid) for name, pid in pids.items()}

    def scaling(self, small: dict[str, dict]) -> dict:
        names = [name for name in SCALED if name in small]
        progress(f"{self.backend}: seeding up to {self.options.scale_rows:,} refresh_token rows")
        seeding = seed_background(self.app, self.accounts, self.options.scale_rows)
        large = {name: self.endpoint(name, paired=False) for name in names}
        entries = {}
        for name in names:
            ratio = _ratio(large[name]["rps"], small[name]["rps"])
            # CPU per request barely moves when other processes take the core: the reading
            # to trust on a shared machine
            cpu_ratio = _ratio(small[name]["cpu_ms_per_request"],
                               large[name]["cpu_ms_per_request"])
            entries[name] = {"small": small[name], "large": large[name], "ratio": ratio,
                             "cpu_ratio": cpu_ratio, "ok": ratio >= SCALING_GOAL}
        return {"seeding": seeding, "endpoints": entries}


def _ratio(numerator: float | None, denominator: float | None) -> float:
    return numerator / denominator if numerator and denominator else 0.0


def run_backend(backend: str, options: Options, bounds: Bounds, peer: NodePeer | None) -> dict:
    """Everything measured on one backend, as a JSON-ready dict."""
    with tempfile.TemporaryDirectory(prefix=f"authserver-bench-{backend}-") as name, \
            database(backend, Path(name)) as url, \
            stored_node_peer(backend, peer, options.endpoints) as stored:
        folder = Path(name)
        settings = production_settings(folder, url, free_port())
        progress(f"{backend}: authserver init, seeding {options.base_rows:,} rows")
        init_authserver(settings, folder)
        app = create_app(dict(settings), with_keys=False)
        accounts = seed_accounts(app)
        result: dict = {"seeding": seed_background(app, accounts, options.base_rows)}
        server = start_authserver(settings, folder, options.http_server)
        try:
            bench = Bench(backend, app, server, accounts, folder, options, bounds, peer, stored)
            result["endpoints"] = {name: bench.endpoint(name) for name in options.endpoints}
            if options.scale and any(name in result["endpoints"] for name in SCALED):
                result["scaling"] = bench.scaling(result["endpoints"])
            result["rss_kib"] = bench.memory()
        finally:
            stop(server)
            with app.app_context():
                db.engine.dispose()
        return result
