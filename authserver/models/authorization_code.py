"""Authorization codes (RFC 6749 §4.1.2): digests only, single use, marked consumed.

A consumed code stays until `purge` so that a second use is recognised and can revoke what
the first exchange issued (the family recorded in `family_id`).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto import digest
from ..extensions import db
from .types import BigId, Instant


class AuthorizationCode(db.Model):
    __tablename__ = "authorization_code"
    __table_args__ = (Index("ix_authorization_code_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: SHA-256 of the code; the code itself is never stored
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("client.client_id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(String(1000))
    nonce: Mapped[str | None] = mapped_column(String(512))
    #: S256 challenge (43 base64url characters); None only where the client may skip PKCE
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    auth_time: Mapped[int] = mapped_column(Instant)
    created_at: Mapped[int] = mapped_column(Instant)
    expires_at: Mapped[int] = mapped_column(Instant)
    #: set once, by the exchange that won
    consumed_at: Mapped[int | None] = mapped_column(Instant)
    #: the token family the exchange started: revoked when the code is presented again
    family_id: Mapped[str | None] = mapped_column(String(32))

    @classmethod
    def find(cls, code: str) -> AuthorizationCode | None:
        return db.session.scalar(select(cls).where(cls.code_digest == digest(code)))

    def consume(self, now: int) -> bool:
        """Mark used; False when another request consumed it first (one winner)."""
        result = db.session.execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.id == self.id, AuthorizationCode.consumed_at.is_(None))
            .values(consumed_at=now)
        )
        return result.rowcount == 1
