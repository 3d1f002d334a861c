"""What /authorize leaves behind for the pages, made directly: a pending authorization
request (so the page tests do not depend on the protocol side), and what the pages record."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from authserver.clock import clock
from authserver.extensions import db
from authserver.models import AuthorizationRequest, Consent, LoginSession, User
from authserver.users import set_disabled

REQUEST_TTL = 600


def start_request(app: Flask, client_id: str, scope: str = "openid profile email",
                  **params: object) -> str:
    """Store a pending request for the client; returns its handle (as in /login?request=)."""
    with app.app_context():
        _, handle = AuthorizationRequest.create(
            client_id, {"response_type": "code", "scope": scope, "state": "xyz", **params},
            clock.now(), REQUEST_TTL)
        db.session.commit()
        return handle


def request_state(app: Flask, handle: str) -> dict | None:
    """What the pages recorded on the request (None once it expired or was answered)."""
    with app.app_context():
        row = AuthorizationRequest.find(handle, clock.now())
        if row is None:
            return None
        user = db.session.get(User, row.user_id) if row.user_id else None
        return {"user": user.email if user else None, "auth_time": row.auth_time,
                "consent": row.consent}


def answer_request(app: Flask, handle: str) -> None:
    """What /authorize/resume does when it answers the client: the handle is spent."""
    with app.app_context():
        assert AuthorizationRequest.find(handle, clock.now()).consume(clock.now())
        db.session.commit()


def live_sessions(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginSession).where(
            LoginSession.ended_at.is_(None)))


def session_is_live(app: Flask, handle: str) -> bool:
    with app.app_context():
        return LoginSession.find(handle, clock.now()) is not None


def disable_user(app: Flask, email: str) -> None:
    with app.app_context():
        set_disabled(User.find_by_email(email), True)
        db.session.commit()


def consented_scopes(app: Flask, email: str, client_id: str) -> set[str] | None:
    with app.app_context():
        consent = Consent.find(User.find_by_email(email).id, client_id)
        return set(consent.scope.split()) if consent else None
