"""The access-token denylist: revoked jtis, each kept only until its token expires."""

from __future__ import annotations

from sqlalchemy import Index, String, select
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
        if db.session.get(cls, jti) is None:
            db.session.add(cls(jti=jti, expires_at=expires_at))

    @classmethod
    def is_revoked(cls, jti: str) -> bool:
        return db.session.scalar(select(cls.jti).where(cls.jti == jti)) is not None
