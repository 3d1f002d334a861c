"""Refresh tokens, stored as digests; rotated rows stay so that reuse is detected."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, bindparam, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import digest
from ..extensions import db
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
    def find_with_family(cls, token: str) -> tuple[RefreshToken, TokenFamily, User] | None:
        """One indexed query: the token, its family and its user."""
        row = db.session.execute(_FIND_WITH_FAMILY, {"digest": digest(token)}).one_or_none()
        return tuple(row) if row else None

    @classmethod
    def find(cls, token: str) -> RefreshToken | None:
        return db.session.scalar(_FIND, {"digest": digest(token)})

    def mark_rotated(self, now: int) -> bool:
        """Atomically claim this token for rotation; False when another request won."""
        result = db.session.execute(_MARK_ROTATED, {"row_id": self.id, "now": now})
        return result.rowcount == 1


# The hot statements, built once: constructing them per request was a measurable share of a
# refresh (SQLAlchemy caches the compiled SQL, not the Python statement objects).
_FIND = select(RefreshToken).where(RefreshToken.token_digest == bindparam("digest"))
_FIND_WITH_FAMILY = (
    select(RefreshToken, TokenFamily, User)
    .join(TokenFamily, TokenFamily.id == RefreshToken.family_id)
    .join(User, User.id == TokenFamily.user_id)
    .where(RefreshToken.token_digest == bindparam("digest"))
)
_MARK_ROTATED = (
    update(RefreshToken)
    .where(RefreshToken.id == bindparam("row_id"), RefreshToken.rotated_at.is_(None))
    .values(rotated_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)
