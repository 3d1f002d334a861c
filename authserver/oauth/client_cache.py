"""Client records kept in memory for a few seconds: every token request looks its client up,
and this takes that query off the hot path (a client_credentials request then touches no
database at all).

Entries are detached ORM rows, read-only. A change made elsewhere (the CLI, another
instance) is seen within `ttl` seconds; unknown client_ids are never cached, so a flood of
made-up ids cannot fill memory or hide a client registered a moment later.
"""

from __future__ import annotations

import time

from ..extensions import db
from ..models import Client

MAX_ENTRIES = 10_000


class ClientCache:
    def __init__(self, ttl: int) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Client]] = {}

    def cached(self, client_id: str) -> Client | None:
        """The client if its record is in memory and fresh; never asks the database."""
        entry = self._entries.get(client_id)
        if entry is not None and time.monotonic() - entry[0] < self.ttl:
            return entry[1]
        return None

    def get(self, client_id: str) -> Client | None:
        if (client := self.cached(client_id)) is not None:
            return client
        now = time.monotonic()
        client = Client.find(client_id)
        if client is None or self.ttl <= 0:
            self._entries.pop(client_id, None)
            return client
        db.session.expunge(client)  # outlives the request's session, never written through
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[client_id] = (now, client)
        return client
