"""Rows answered once (authorization codes, pending authorization requests): marked
consumed by a conditional UPDATE, so that of two concurrent requests exactly one wins and a
later use is still recognised."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Mapped

from ..extensions import db


class SingleUse:
    id: Mapped[int]
    consumed_at: Mapped[int | None]

    def consume(self, now: int) -> bool:
        """Mark consumed; False when another request did it first (one winner)."""
        table = type(self)
        result = db.session.execute(
            update(table).where(table.id == self.id, table.consumed_at.is_(None))
            .values(consumed_at=now))
        return result.rowcount == 1
