"""Deleting what has expired, in short batches (`authserver purge`, from cron).

Each batch is one short transaction over at most `batch_size` rows, so no table stays locked
for long. On PostgreSQL a batch claims its rows with FOR UPDATE SKIP LOCKED: purges running
on every instance at once share the work instead of waiting on each other, and a row a
request is using right now is left for the next run. SQLite runs one writer at a time anyway.

A row is purged GRACE_SECONDS after it expired, so that instances whose clocks differ a
little never delete what another still counts as live.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import InstrumentedAttribute

from .extensions import db
from .models import (
    AuthorizationCode,
    AuthorizationRequest,
    LoginSession,
    RefreshToken,
    RevokedAccessToken,
    TokenFamily,
)

GRACE_SECONDS = 60
DEFAULT_BATCH_SIZE = 1000


@dataclass(frozen=True)
class Purger:
    """One kind of expired row: its table's key, when a row has expired (given the cutoff
    instant), and the rows of other tables that go with it, deleted first (foreign keys)."""

    name: str
    key: InstrumentedAttribute
    expired: Callable[[int], ColumnElement[bool]]
    dependents: tuple[tuple[str, InstrumentedAttribute], ...] = ()


#: What `purge` deletes. A code is kept until then even when consumed, so that a second use
#: is still recognised (and revokes what the first issued) for its whole lifetime.
PURGERS: list[Purger] = [
    Purger("revoked_access_token", RevokedAccessToken.jti,
           lambda cutoff: RevokedAccessToken.expires_at <= cutoff),
    Purger("token_family", TokenFamily.id, lambda cutoff: TokenFamily.expires_at <= cutoff,
           dependents=(("refresh_token", RefreshToken.family_id),)),
    Purger("authorization_code", AuthorizationCode.id,
           lambda cutoff: AuthorizationCode.expires_at <= cutoff),
    Purger("authorization_request", AuthorizationRequest.id,
           lambda cutoff: AuthorizationRequest.expires_at <= cutoff),
    Purger("login_session", LoginSession.id, lambda cutoff: LoginSession.expires_at <= cutoff),
]


def purge_batch(purger: Purger, cutoff: int, batch_size: int) -> Counter[str]:
    """Delete up to batch_size expired rows of one kind, in one transaction."""
    claim = select(purger.key).where(purger.expired(cutoff)).limit(batch_size)
    if db.session.get_bind().dialect.name == "postgresql":
        claim = claim.with_for_update(skip_locked=True)
    keys = list(db.session.scalars(claim))
    counts: Counter[str] = Counter()
    if keys:
        for name, column in purger.dependents:
            counts[name] += db.session.execute(
                delete(column.class_).where(column.in_(keys))).rowcount
        counts[purger.name] += db.session.execute(
            delete(purger.key.class_).where(purger.key.in_(keys))).rowcount
    db.session.commit()
    return counts


def purge(now: int, batch_size: int = DEFAULT_BATCH_SIZE,
          purgers: Sequence[Purger] = PURGERS) -> Counter[str]:
    """Every purger, batch after batch until a batch comes back short; the counts deleted."""
    cutoff = now - GRACE_SECONDS
    totals: Counter[str] = Counter({name: 0 for purger in purgers
                                    for name in (purger.name, *dict(purger.dependents))})
    for purger in purgers:
        while True:
            counts = purge_batch(purger, cutoff, batch_size)
            totals.update(counts)
            if counts[purger.name] < batch_size:
                break
    return totals
