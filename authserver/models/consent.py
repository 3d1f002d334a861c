"""Remembered consent: which scopes a user granted to a client, so it is asked once."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import BigId, Instant


class Consent(db.Model):
    __tablename__ = "consent"
    __table_args__ = (UniqueConstraint("user_id", "client_id", name="uq_consent_user_client"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("client.client_id", ondelete="CASCADE"))
    #: every scope granted so far, space-separated
    scope: Mapped[str] = mapped_column(String(1000))
    granted_at: Mapped[int] = mapped_column(Instant)

    @classmethod
    def find(cls, user_id: int, client_id: str) -> Consent | None:
        return db.session.scalar(select(cls).where(cls.user_id == user_id,
                                                   cls.client_id == client_id))

    @classmethod
    def for_user(cls, user_id: int) -> list[Consent]:
        return list(db.session.scalars(
            select(cls).where(cls.user_id == user_id).order_by(cls.granted_at.desc())))

    def covers(self, scopes: set[str]) -> bool:
        return scopes <= set(self.scope.split())

    @classmethod
    def grant(cls, user_id: int, client_id: str, scopes: set[str], now: int) -> Consent:
        """Remember these scopes, adding to what was granted before."""
        consent = cls.find(user_id, client_id)
        if consent is None:
            consent = cls(user_id=user_id, client_id=client_id, scope="", granted_at=now)
            db.session.add(consent)
        consent.scope = " ".join(sorted(scopes | set(consent.scope.split())))
        consent.granted_at = now
        return consent

    @classmethod
    def withdraw(cls, user_id: int, client_id: str) -> bool:
        """Forget the consent; the caller also revokes the client's tokens for the user."""
        result = db.session.execute(delete(cls).where(cls.user_id == user_id,
                                                      cls.client_id == client_id))
        return result.rowcount > 0
