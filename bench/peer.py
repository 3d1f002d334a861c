"""node-oidc-provider, the issue's reference, as a peer: one process started for the whole
bench and measured in alternation with authserver's runs of the same endpoint on each backend
(measure.measure_alternating), so that a shared machine's drift between runs falls on both
servers alike and their ratio holds."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from endpoints import client_credentials, refresh_token
from measure import Measurement, RefreshPool, Workload
from servers import NodeClients, Server, node_unavailable, seed_node, start_node, stop

NAME = "node-oidc-provider"
#: what it serves that authserver serves too (RS256 JWT access tokens, rotating refresh)
ENDPOINTS = ("client_credentials", "refresh_token")
#: its refresh pool per second of run, in multiples of its best client_credentials rate
POOL_FACTOR = 3


class NodePeer:
    def __init__(self, server: Server, clients: NodeClients, folder: Path) -> None:
        self.server, self.clients, self.folder = server, clients, folder
        self.cc_rps = 0.0

    def workload(self, name: str, rate_bound: float) -> Workload:
        """Its workload for one of ENDPOINTS. Its refresh tokens are seeded POOL_FACTOR times
        its best client_credentials rate (it refreshes more slowly than that), or
        `rate_bound` a second before that rate is known; the unused ones stay in its memory."""
        if name == "client_credentials":
            return Workload(lambda: client_credentials(self.clients.machine_id,
                                                       self.clients.machine_secret))
        rate = POOL_FACTOR * self.cc_rps if self.cc_rps else rate_bound
        return RefreshPool(self.folder, rate,
                           lambda tokens: refresh_token(self.clients.spa_id, tokens),
                           lambda size: seed_node(self.server, size), lambda tokens: None)

    def measured(self, name: str, measurement: Measurement) -> None:
        if name == "client_credentials":
            self.cc_rps = max([self.cc_rps, *(run.rps for run in measurement.runs)])


@contextmanager
def node_peer(wanted: bool) -> Iterator[tuple[NodePeer | None, str | None]]:
    """The running peer, or None with the reason it is not measured."""
    reason = node_unavailable() if wanted else "--no-node"
    if reason:
        yield None, reason
        return
    with tempfile.TemporaryDirectory(prefix="authserver-bench-node-") as name:
        folder = Path(name)
        clients = NodeClients("bench-machine", secrets.token_urlsafe(32), "bench-spa")
        server = start_node(folder, clients)
        try:
            yield NodePeer(server, clients, folder), None
        finally:
            stop(server)
