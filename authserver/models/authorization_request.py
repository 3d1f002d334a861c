"""A pending authorization request: the handoff between /authorize and the login and
consent pages (the protocol layer never renders UI).

/authorize validates the request, stores it here and sends the browser to /login or
/consent with the handle; the pages record what the user did (who logged in, consent
granted or denied) and send the browser to /authorize/resume, which finishes the request
once. Only the handle's digest is stored.
"""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto import digest, new_token
from ..extensions import db
from .single_use import SingleUse
from .types import BigId, Instant


class AuthorizationRequest(SingleUse, db.Model):
    __tablename__ = "authorization_request"
    __table_args__ = (Index("ix_authorization_request_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    handle_digest: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("client.client_id", ondelete="CASCADE"))
    #: the validated /authorize parameters (response_type, redirect_uri, scope, state, nonce,
    #: code_challenge, prompt, max_age, login_hint, ...)
    params: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[int] = mapped_column(Instant)
    expires_at: Mapped[int] = mapped_column(Instant)
    #: set by the login page: who authenticated for this request, and when
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user.id", ondelete="CASCADE"))
    auth_time: Mapped[int | None] = mapped_column(Instant)
    #: set by the consent page: "granted" or "denied"
    consent: Mapped[str | None] = mapped_column(String(10))
    #: set once, by /authorize/resume when it answers the client
    consumed_at: Mapped[int | None] = mapped_column(Instant)

    @classmethod
    def create(cls, client_id: str, params: dict, now: int, ttl: int
               ) -> tuple[AuthorizationRequest, str]:
        """Store a request; returns it and the handle (in clear only in the URL)."""
        handle = new_token()
        row = cls(handle_digest=digest(handle), client_id=client_id, params=params,
                  created_at=now, expires_at=now + ttl)
        db.session.add(row)
        return row, handle

    @classmethod
    def find(cls, handle: str, now: int) -> AuthorizationRequest | None:
        """The live request with this handle: not expired, not yet answered."""
        return db.session.scalar(select(cls).where(
            cls.handle_digest == digest(handle), cls.expires_at > now,
            cls.consumed_at.is_(None)))

    def record_login(self, user_id: int, auth_time: int) -> None:
        self.user_id, self.auth_time = user_id, auth_time

    def record_consent(self, granted: bool) -> None:
        self.consent = "granted" if granted else "denied"
