"""Browser login sessions (single sign-on at /authorize): server-side rows, cookie = handle.

The cookie carries a random handle; only its digest is stored, so a database read does not
yield a usable session. Logging in always starts a new row (session id rotation).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto import digest, new_token
from ..extensions import db
from .types import BigId, Instant


class LoginSession(db.Model):
    __tablename__ = "login_session"
    __table_args__ = (Index("ix_login_session_user_id", "user_id"),
                      Index("ix_login_session_expires_at", "expires_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    handle_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user.id", ondelete="CASCADE"))
    #: when the user typed the password (OIDC auth_time)
    auth_time: Mapped[int] = mapped_column(Instant)
    created_at: Mapped[int] = mapped_column(Instant)
    expires_at: Mapped[int] = mapped_column(Instant)
    ended_at: Mapped[int | None] = mapped_column(Instant)

    @classmethod
    def start(cls, user_id: int, now: int, ttl: int) -> tuple[LoginSession, str]:
        handle = new_token()
        row = cls(handle_digest=digest(handle), user_id=user_id, auth_time=now,
                  created_at=now, expires_at=now + ttl)
        db.session.add(row)
        return row, handle

    @classmethod
    def find(cls, handle: str, now: int) -> LoginSession | None:
        """The live session with this handle: not ended, not expired."""
        return db.session.scalar(select(cls).where(
            cls.handle_digest == digest(handle), cls.expires_at > now, cls.ended_at.is_(None)))

    @classmethod
    def end(cls, handle: str, now: int) -> None:
        db.session.execute(update(cls).where(cls.handle_digest == digest(handle),
                                             cls.ended_at.is_(None)).values(ended_at=now))

    @classmethod
    def end_for_user(cls, user_id: int, now: int) -> int:
        """End every browser session of a user (disable, password change, sign out
        everywhere); returns how many ended."""
        return db.session.execute(
            update(cls).where(cls.user_id == user_id, cls.ended_at.is_(None))
            .values(ended_at=now)).rowcount
