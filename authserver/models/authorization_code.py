"""Authorization codes (RFC 6749 §4.1.2): digests only, single use, marked consumed.

A consumed code stays until `purge` so that a second use is recognised and can revoke what
the first exchange issued (the family recorded in `family_id`).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto import digest
from ..extensions import db
from .single_use import SingleUse
from .types import BigId, Instant


class AuthorizationCode(SingleUse, db.Model):
    __tablename__ = "authorization_code"
    __table_args__ = (Index("ix_authorization_code_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: SHA-256 of the code; the code itself is never stored
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("client.client_id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user.id", ondelete="CASCADE"))
    #: the redirect_uri the authorization request carried; empty when it relied on the
    #: client's only registered URI (then /token needs none: RFC 6749 §4.1.3)
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
    def issue(cls, code: str, *, client_id: str, user_id: int, redirect_uri: str, scope: str,
              nonce: str | None, code_challenge: str | None, auth_time: int, now: int,
              ttl: int) -> AuthorizationCode:
        row = cls(code_digest=digest(code), client_id=client_id, user_id=user_id,
                  redirect_uri=redirect_uri, scope=scope, nonce=nonce,
                  code_challenge=code_challenge,
                  code_challenge_method="S256" if code_challenge else None,
                  auth_time=auth_time, created_at=now, expires_at=now + ttl)
        db.session.add(row)
        return row

    @classmethod
    def find(cls, code: str) -> AuthorizationCode | None:
        return db.session.scalar(select(cls).where(cls.code_digest == digest(code)))

    # -- what Authlib's grant and OpenID extension ask of a code ----------------------------
    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri or None

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time
