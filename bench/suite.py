"""One backend's bench: a fresh database and folder, `authserver init`, seeding, the server,
every endpoint, memory; then a second server whose table is 100 times larger, and the same
lookups on both, their runs taken in turn."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from backends import database
from endpoints import NEED_ACCESS_TOKEN, http_request, login
from flask import Flask
from inprocess import measure_verifier, verifier_unavailable
from measure import Measurement, RefreshPool, Subject, Workload, measure_alternating
from peer import NodePeer, stored_node_peer
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


@dataclass(frozen=True)
class Deployment:
    """authserver serving a database of its own, seeded."""

    app: Flask
    server: Server
    accounts: Accounts
    folder: Path
    seeding: dict[str, float]


@contextmanager
def deployed(backend: str, options: Options, rows: int, label: str) -> Iterator[Deployment]:
    """A fresh database and folder, `authserver init`, accounts and `rows` refresh_token
    rows, and the server, stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"authserver-bench-{backend}-") as name, \
            database(backend, Path(name)) as url:
        folder = Path(name)
        settings = production_settings(folder, url, free_port())
        progress(f"{label}: authserver init, seeding {rows:,} rows")
        init_authserver(settings, folder)
        app = create_app(dict(settings), with_keys=False)
        accounts = seed_accounts(app)
        seeding = seed_background(app, accounts, rows)
        server = start_authserver(settings, folder, options.http_server)
        try:
            yield Deployment(app, server, accounts, folder, seeding)
        finally:
            stop(server)
            with app.app_context():
                db.engine.dispose()


class Bench:
    """A running server on a seeded database, and how to drive each endpoint against it."""

    def __init__(self, backend: str, deployment: Deployment, options: Options, bounds: Bounds,
                 peer: NodePeer | None, stored_peer: NodePeer | None = None) -> None:
        self.backend, self.options, self.bounds = backend, options, bounds
        self.app, self.server = deployment.app, deployment.server
        self.accounts, self.folder = deployment.accounts, deployment.folder
        self.peer, self.stored_peer = peer, stored_peer

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

    def endpoint(self, name: str) -> dict:
        """One endpoint's figures, with the refresh_token rows before and after its runs;
        where node-oidc-provider serves the same, its figures from runs taken in turn with
        these under "node", and those of the one storing its tokens in PostgreSQL under
        "node_stored"."""
        rows = refresh_token_rows(self.app)
        progress(f"{self.backend} {name} ({rows:,} refresh_token rows)")
        if name == "verifier":
            return {**self.verifier(), "rows": [rows, refresh_token_rows(self.app)]}
        peers = [peer for peer in (self.peer, self.stored_peer)
                 if peer and name in peer.reference.endpoints]
        measured, *references = self.in_turn(name, [
            Subject(peer.reference.name, peer.server,
                    peer.workload(name, self.bounds.refresh_rate_bound)) for peer in peers])
        bound = ("argon2 verify", self.bounds.argon2_verify) if name == "password" else None
        result = summarize(measured, self.bounds.floor_rps, self.bounds.rsa_sign, bound)
        for peer, reference in zip(peers, references, strict=True):
            peer.measured(name, reference)
            result[peer.reference.key] = summarize(reference, self.bounds.floor_rps,
                                                   self.bounds.rsa_sign)
        return {**result, "rows": [rows, refresh_token_rows(self.app)]}

    def in_turn(self, name: str, others: list[Subject]) -> list[Measurement]:
        """This server's runs of the endpoint and each of `others`', taken in turn."""
        options = self.options
        return measure_alternating([Subject(name, self.server, self.workload(name)), *others],
                                   options.runs, options.seconds, options.generator)

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

    def scaling(self, measured: dict[str, dict]) -> dict:
        """The SCALED endpoints here and on a second server whose refresh_token table has
        `scale_rows` rows, their runs taken in turn: measured one after the other, minutes
        apart, a shared core's drift alone moved the ratio by a third."""
        names = [name for name in SCALED if name in measured]
        rows = self.options.scale_rows
        with deployed(self.backend, self.options, rows, f"{self.backend} at {rows:,}") as big:
            large = Bench(self.backend, big, self.options, self.bounds, None)
            endpoints = {name: self.beside(large, name) for name in names}
            return {"seeding": big.seeding, "endpoints": endpoints, "rss_kib": large.memory()}

    def beside(self, large: Bench, name: str) -> dict:
        """The endpoint's figures here ("small") and on `large`, with their ratio."""
        before = [refresh_token_rows(bench.app) for bench in (self, large)]
        progress(f"{self.backend} {name}: {before[0]:,} and {before[1]:,} refresh_token rows, "
                 "in turn")
        pair = self.in_turn(name, [Subject(f"{name} (large)", large.server,
                                           large.workload(name))])
        small, big = ({**summarize(measurement, self.bounds.floor_rps, self.bounds.rsa_sign),
                       "rows": [rows, refresh_token_rows(bench.app)]}
                      for measurement, rows, bench in zip(pair, before, (self, large),
                                                          strict=True))
        ratio = _ratio(big["rps"], small["rps"])
        # CPU per request: unmoved by the share of the core other processes take (not by its speed)
        cpu_ratio = _ratio(small["cpu_ms_per_request"], big["cpu_ms_per_request"])
        return {"small": small, "large": big, "ratio": ratio, "cpu_ratio": cpu_ratio,
                "ok": ratio >= SCALING_GOAL}


def _ratio(numerator: float | None, denominator: float | None) -> float:
    return numerator / denominator if numerator and denominator else 0.0


def run_backend(backend: str, options: Options, bounds: Bounds, peer: NodePeer | None) -> dict:
    """Everything measured on one backend, as a JSON-ready dict."""
    with deployed(backend, options, options.base_rows, backend) as deployment, \
            stored_node_peer(backend, peer, options.endpoints) as stored:
        bench = Bench(backend, deployment, options, bounds, peer, stored)
        result: dict = {"seeding": deployment.seeding,
                        "endpoints": {name: bench.endpoint(name) for name in options.endpoints}}
        if options.scale and any(name in result["endpoints"] for name in SCALED):
            result["scaling"] = bench.scaling(result["endpoints"])
        result["rss_kib"] = bench.memory()
        return result
