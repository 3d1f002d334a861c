"""Refresh tokens, stored as digests; rotated rows stay so that reuse is detected.

The refresh hot path (lookup, rotation, successor) runs prebuilt Core statements and reads
plain rows: building ORM instances, tracking their state and flushing them through the unit of
work was about 40% of a refresh. They run as driver SQL on a driver cursor (hot_path.py):
SQLAlchemy's execution context and result objects around each statement cost more than SQLite
takes to run it (the three statements and commit of a refresh: 130 us through
`exec_driver_sql`, 80 us on the session's driver cursor, in process), and on PostgreSQL the
successor's INSERT would otherwise ask for the new row's id back (RETURNING) that nothing
reads.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    bindparam,
    exists,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import digest
from ..extensions import db
from . import hot_path
from .token_family import TokenFamily
from .types import BigId, Instant
from .user import User


class RefreshToken(db.Model):
    __tablename__ = "refresh_token"
    __table_args__ = (Index("ix_refresh_token_family_id", "family_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: SHA-256 of the token; the token itself is never stored
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("token_family.id", ondelete="CASCADE"))
    issued_at: Mapped[int] = mapped_column(Instant)
    #: idle expiry: a rotation issues a successor with a fresh one
    expires_at: Mapped[int] = mapped_column(Instant)
    #: set once, by the request that rotated it
    rotated_at: Mapped[int | None] = mapped_column(Instant)

    family: Mapped[TokenFamily] = relationship(lazy="raise")

    @classmethod
    def issue(cls, token: str, family: TokenFamily, now: int, idle_ttl: int) -> RefreshToken:
        row = cls(token_digest=digest(token), family=family, issued_at=now,
                  expires_at=min(now + idle_ttl, family.expires_at))
        db.session.add(row)
        return row

    @classmethod
    def find(cls, token: str) -> RefreshToken | None:
        return db.session.scalar(select(cls).where(cls.token_digest == digest(token)))

    @staticmethod
    def lookup(token: str) -> RefreshTokenState | None:
        """One indexed query: the token, its family and its user, as plain values."""
        row = hot_path.fetch_one(_LOOKUP, {"digest": digest(token)})
        return None if row is None else RefreshTokenState.from_row(row)

    @staticmethod
    def claim(token: str, client_id: str, successor: str, now: int, idle_ttl: int
              ) -> tuple[RefreshTokenState | None, bool]:
        """PostgreSQL: the lookup and, when the token is presentable now by this client, its
        rotation with the successor stored, in one statement (one round trip instead of
        two). Returns what the lookup found, as it was before the statement, and whether
        this statement rotated the token: False when it was not presentable, or when a
        concurrent request claimed it first (its UPDATE waited for that one to commit)."""
        row = hot_path.fetch_one(_CLAIM_AT_LOOKUP, {
            "digest": digest(token), "client_id": client_id,
            "token_digest": digest(successor), "now": now, "idle_ttl": idle_ttl})
        if row is None:
            return None, False
        return RefreshTokenState.from_row(row[:-1]), bool(row[-1])

    @staticmethod
    def rotate(token: str, state: RefreshTokenState, successor: str, now: int,
               idle_ttl: int) -> bool:
        """Atomically mark a looked-up token rotated and store its successor; False (and
        nothing stored) when it is no longer presentable, such as when another request
        rotated it first.

        On PostgreSQL this is RefreshToken.claim again (one statement: the successor is
        inserted only for the row the UPDATE claimed). SQLite has no UPDATE in WITH; its
        transaction holds the write lock from BEGIN, so two statements are as atomic there."""
        if hot_path.dialect_name() == "postgresql":
            return RefreshToken.claim(token, state.client_id, successor, now, idle_ttl)[1]
        params = {"row_id": state.id, "family_id": state.family_id,
                  "token_digest": digest(successor), "now": now,
                  "expires_at": state.successor_expires_at(now, idle_ttl)}
        if hot_path.execute(_CLAIM, params) != 1:
            return False
        hot_path.execute(_INSERT, params)
        return True


class RefreshTokenState(NamedTuple):
    """A stored refresh token with what its family and user say about it."""

    id: int
    issued_at: int
    expires_at: int
    rotated_at: int | None
    family_id: str
    client_id: str
    scope: str
    auth_time: int
    family_expires_at: int
    revoked_at: int | None
    #: an OpenID sign-in (code flow with openid): its refreshes carry a new id_token
    openid: bool
    user_id: int
    sub: str
    user_disabled: bool
    #: the user's claims, for the id_token of an OpenID refresh (no second query)
    email: str
    name: str | None
    email_verified: bool

    @classmethod
    def from_row(cls, row: tuple) -> RefreshTokenState:
        values = list(row)
        for index in _BOOLEAN_FIELDS:  # driver rows: SQLite answers booleans as 0/1
            values[index] = bool(values[index])
        return cls._make(values)

    def successor_expires_at(self, now: int, idle_ttl: int) -> int:
        """A successor's idle expiry, never past its family's end (_CLAIM_AT_LOOKUP stores
        the same, LEAST in SQL)."""
        return min(now + idle_ttl, self.family_expires_at)

    def family_is_live(self, now: int) -> bool:
        return self.revoked_at is None and now < self.family_expires_at and not self.user_disabled

    def is_active(self, now: int) -> bool:
        """Presentable now: not rotated, not expired, its family live."""
        return self.rotated_at is None and self.expires_at > now and self.family_is_live(now)

    def user(self) -> User:
        """The user's claims as a transient User (not in the session, never written)."""
        return User.transient(self.user_id, self.sub, self.email, self.name,
                              self.email_verified, self.user_disabled)


_BOOLEAN_FIELDS = tuple(RefreshTokenState._fields.index(name)
                        for name in ("openid", "user_disabled", "email_verified"))

# The hot statements, built once, on the tables (not the mapped classes): no ORM compile step.
_TOKEN, _FAMILY, _USER = RefreshToken.__table__, TokenFamily.__table__, User.__table__
_LOOKUP = (
    # labelled as RefreshTokenState's fields: the _FOUND CTE below needs distinct names
    select(_TOKEN.c.id, _TOKEN.c.issued_at, _TOKEN.c.expires_at, _TOKEN.c.rotated_at,
           _FAMILY.c.id.label("family_id"), _FAMILY.c.client_id, _FAMILY.c.scope,
           _FAMILY.c.auth_time, _FAMILY.c.expires_at.label("family_expires_at"),
           _FAMILY.c.revoked_at, _FAMILY.c.openid, _USER.c.id.label("user_id"), _USER.c.sub,
           _USER.c.disabled.label("user_disabled"), _USER.c.email, _USER.c.name,
           _USER.c.email_verified)
    .select_from(_TOKEN.join(_FAMILY, _FAMILY.c.id == _TOKEN.c.family_id)
                 .join(_USER, _USER.c.id == _FAMILY.c.user_id))
    .where(_TOKEN.c.token_digest == bindparam("digest"))
)
_CLAIM = (
    update(_TOKEN)
    .where(_TOKEN.c.id == bindparam("row_id"), _TOKEN.c.rotated_at.is_(None))
    .values(rotated_at=bindparam("now"))
)
_INSERT = insert(_TOKEN).values(
    token_digest=bindparam("token_digest"), family_id=bindparam("family_id"),
    issued_at=bindparam("now"), expires_at=bindparam("expires_at"),
).inline()  # no RETURNING of the new id

# RefreshToken.claim (PostgreSQL): _LOOKUP, and the rotation of what it found if presentable
# now by this client (RefreshTokenState.is_active and the client check, in SQL), in one
# statement. Data-modifying CTEs run exactly once whatever the outer query reads; the outer
# query sees the rows as they were before them, and `claimed` says whether the UPDATE won.
# Under READ COMMITTED a concurrent claim of the same row waits, then re-checks
# `rotated_at IS NULL` on the committed row and claims nothing.
_FOUND = _LOOKUP.cte("found")
_PRESENTABLE = (
    select(_FOUND.c.id)
    .where(_FOUND.c.rotated_at.is_(None), _FOUND.c.expires_at > bindparam("now"),
           _FOUND.c.client_id == bindparam("client_id"), _FOUND.c.revoked_at.is_(None),
           _FOUND.c.family_expires_at > bindparam("now"), _FOUND.c.user_disabled.is_(False))
    .scalar_subquery()
)
_CLAIMED_FOUND = (
    update(_TOKEN)
    .where(_TOKEN.c.id == _PRESENTABLE, _TOKEN.c.rotated_at.is_(None))
    .values(rotated_at=bindparam("now"))
    .returning(_TOKEN.c.family_id)
    .cte("claimed_found")
)
_SUCCESSOR = insert(_TOKEN).from_select(
    ["token_digest", "family_id", "issued_at", "expires_at"],
    select(bindparam("token_digest", type_=String), _CLAIMED_FOUND.c.family_id,
           bindparam("now", type_=Instant),
           func.least(bindparam("now", type_=Instant) + bindparam("idle_ttl", type_=Instant),
                      _FOUND.c.family_expires_at))
    .select_from(_CLAIMED_FOUND.join(_FOUND, true())),
).inline().cte("successor")
_CLAIM_AT_LOOKUP = (
    select(*_FOUND.c, exists(select(_CLAIMED_FOUND.c.family_id)).label("claimed"))
    .add_cte(_SUCCESSOR)
)
