"""The access-token denylist: revoked jtis, each kept only until its token expires."""

from __future__ import annotations

from sqlalchemy import Index, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import Instant


class RevokedAccessToken(db.Model):
    __tablename__ = "revoked_access_token"
    __table_args__ = (Index("ix_revoked_access_token_expires_at", "expires_at"),)

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: the token's own exp: past it the entry is useless and `purge` drops it
    expires_at: Mapped[int] = mapped_column(Instant)

    @classmethod
    def revoke(cls, jti: str, expires_at: int) -> None:
        """Idempotent, also when two requests revoke the same token at once."""
        dialect = db.session.get_bind().dialect.name
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
        db.session.execute(insert(cls).values(jti=jti, expires_at=expires_at)
                           .on_conflict_do_nothing(index_elements=[cls.jti]))

    @classmethod
    def is_revoked(cls, jti: str) -> bool:
        return db.session.scalar(select(cls.jti).where(cls.jti == jti)) is not None
