"""node-oidc-provider, the issue's reference, as a peer: one process started for the whole
bench and measured in alternation with authserver's runs of the same endpoint on each backend
(measure.measure_alternating), so that a shared machine's drift between runs falls on both
servers alike and their ratio holds.

Its memory adapter stores nothing: on PostgreSQL a second process stores its tokens in the same
database (bench/node_oidc/pg_adapter.mjs), and its refresh_token runs in turn with the other
two: the reference for a rotation persisted, as authserver's is."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from backends import fresh_schema, libpq_url
from endpoints import client_credentials, refresh_token
from measure import Measurement, RefreshPool, Workload
from servers import NodeClients, Server, node_unavailable, seed_node, start_node, stop

NAME = "node-oidc-provider"


@dataclass(frozen=True)
class Reference:
    """What a peer process is measured as: the key of its figures in an endpoint's result,
    its name in the report, and the endpoints it serves as authserver does."""

    key: str
    name: str
    endpoints: tuple[str, ...]


#: the memory adapter: RS256 JWT access tokens and rotating refresh tokens, as authserver's
MEMORY = Reference("node", NAME, ("client_credentials", "refresh_token"))
#: the second process, its tokens stored in PostgreSQL
STORED = Reference("node_stored", f"{NAME} (PostgreSQL adapter)", ("refresh_token",))
REFERENCES = (MEMORY, STORED)
#: its refresh pool per second of run, in multiples of its best client_credentials rate
POOL_FACTOR = 3


class NodePeer:
    def __init__(self, server: Server, clients: NodeClients, folder: Path, reference: Reference,
                 pace: NodePeer | None = None) -> None:
        self.server, self.clients, self.folder = server, clients, folder
        self.reference = reference
        self.cc_rps = 0.0
        #: the peer whose client_credentials rate sizes this one's token pools, if not itself
        self.pace = pace or self

    def workload(self, name: str, rate_bound: float) -> Workload:
        """Its workload for one of its reference's endpoints. Its refresh tokens are seeded
        POOL_FACTOR times the best client_credentials rate of its pace (it refreshes more
        slowly than that), or `rate_bound` a second before that rate is known; the unused
        ones stay stored."""
        if name == "client_credentials":
            return Workload(lambda: client_credentials(self.clients.machine_id,
                                                       self.clients.machine_secret))
        cc_rps = self.pace.cc_rps
        rate = POOL_FACTOR * cc_rps if cc_rps else rate_bound
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
    clients = NodeClients("bench-machine", secrets.token_urlsafe(32), "bench-spa")
    with _running(clients, MEMORY) as peer:
        yield peer, None


@contextmanager
def stored_node_peer(backend: str, peer: NodePeer | None, endpoints: tuple[str, ...]
                     ) -> Iterator[NodePeer | None]:
    """On PostgreSQL, while `peer` runs and for one of STORED's endpoints: a second
    node-oidc-provider with the same clients, its tokens stored in a schema of that database
    of its own. None otherwise."""
    if peer is None or backend != "postgresql" or not set(endpoints) & set(STORED.endpoints):
        yield None
        return
    with fresh_schema() as schema, \
            _running(peer.clients, STORED, (libpq_url(), schema), peer) as stored:
        yield stored


@contextmanager
def _running(clients: NodeClients, reference: Reference,
             database: tuple[str, str] | None = None,
             pace: NodePeer | None = None) -> Iterator[NodePeer]:
    with tempfile.TemporaryDirectory(prefix="authserver-bench-node-") as name:
        folder = Path(name)
        server = start_node(folder, clients, database)
        try:
            yield NodePeer(server, clients, folder, reference, pace)
        finally:
            stop(server)
