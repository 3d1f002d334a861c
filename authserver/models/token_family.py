"""A login's grant: every refresh token descended from one login, and its access tokens."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    bindparam,
    false,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import hot_path
from .types import BigId, Instant


class TokenFamily(db.Model):
    __tablename__ = "token_family"
    __table_args__ = (
        Index("ix_token_family_user_id", "user_id"),
        Index("ix_token_family_client_id", "client_id"),
        Index("ix_token_family_expires_at", "expires_at"),
    )

    #: random, carried by every access token of the family as the `grant_id` claim
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("client.client_id", ondelete="CASCADE"))
    #: the scope granted at login; refreshes may narrow it per request, never widen it
    scope: Mapped[str] = mapped_column(String(1000))
    auth_time: Mapped[int] = mapped_column(Instant)
    created_at: Mapped[int] = mapped_column(Instant)
    #: absolute end of the family, whatever its use
    expires_at: Mapped[int] = mapped_column(Instant)
    revoked_at: Mapped[int | None] = mapped_column(Instant)
    #: the User-Agent of the login, to tell sessions apart on the account page
    user_agent: Mapped[str | None] = mapped_column(String(255))
    #: an OpenID Connect sign-in (code flow, scope openid): its refreshes return id_tokens
    openid: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    #: what new_id makes: 32 lower-case hex digits
    ID_SHAPE = re.compile(r"[0-9a-f]{32}")

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    @classmethod
    def find(cls, family_id: str) -> TokenFamily | None:
        """None, without asking the database, for what cannot be one of our ids: a URL may
        carry a NUL, which PostgreSQL text cannot hold (a 500 otherwise)."""
        if not cls.ID_SHAPE.fullmatch(family_id):
            return None
        return db.session.get(cls, family_id)

    @classmethod
    def start(cls, family_id: str, user_id: int, client_id: str, scope: str, auth_time: int,
              now: int, absolute_ttl: int, user_agent: str | None = None,
              openid: bool = False) -> TokenFamily:
        family = cls(id=family_id, user_id=user_id, client_id=client_id, scope=scope,
                     auth_time=auth_time, created_at=now, expires_at=now + absolute_ttl,
                     user_agent=_storable(user_agent), openid=openid)
        db.session.add(family)
        return family

    @classmethod
    def revoke(cls, family_id: str, now: int) -> None:
        """Revoke the whole family in one set-based statement, in the transaction the
        request's hot statements run in (hot_path.py: the refresh grant's own, or the
        session's)."""
        hot_path.execute(_REVOKE, {"family_id": family_id, "now": now})

    @classmethod
    def revoke_for_user(cls, user_id: int, now: int, keep: str | None = None) -> int:
        """Revoke every family of a user but `keep` (disable, sign out everywhere or
        everywhere else); returns how many ended."""
        query = update(cls).where(cls.user_id == user_id, cls.revoked_at.is_(None))
        if keep is not None:
            query = query.where(cls.id != keep)
        return db.session.execute(query.values(revoked_at=now)).rowcount

    @classmethod
    def revoke_for_client(cls, user_id: int, client_id: str, now: int) -> int:
        """Revoke every family one client holds for one user (consent withdrawn)."""
        return db.session.execute(
            update(cls).where(cls.user_id == user_id, cls.client_id == client_id,
                              cls.revoked_at.is_(None)).values(revoked_at=now)).rowcount

    @classmethod
    def live_for_user(cls, user_id: int, now: int) -> list[tuple[TokenFamily, str, int]]:
        """The user's sessions: each live family with its client's name and last use."""
        from .client import Client
        from .refresh_token import RefreshToken

        last_used = func.max(RefreshToken.issued_at)
        rows = db.session.execute(
            select(cls, Client.name, last_used)
            .join(Client, Client.client_id == cls.client_id)
            .join(RefreshToken, RefreshToken.family_id == cls.id)
            .where(cls.user_id == user_id, cls.revoked_at.is_(None), cls.expires_at > now)
            .group_by(cls.id, Client.name)
            .having(func.max(RefreshToken.expires_at) > now)
            .order_by(last_used.desc())
        ).all()
        return [tuple(row) for row in rows]


def _storable(user_agent: str | None) -> str | None:
    """The header as PostgreSQL text can hold it (no NUL), cut to the column's length."""
    return (user_agent or "").replace("\x00", "")[:255] or None


_REVOKE = (update(TokenFamily.__table__)
           .where(TokenFamily.__table__.c.id == bindparam("family_id"),
                  TokenFamily.__table__.c.revoked_at.is_(None))
           .values(revoked_at=bindparam("now")))
