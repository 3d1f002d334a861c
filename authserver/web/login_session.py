"""The browser's login session at this server (SSO for /authorize): cookie in, user out.

HttpOnly, SameSite=Lax (the browser must send it on the top-level navigation a client starts
to /authorize), Secure and `__Host-` prefixed except on a loopback http issuer in
development. Logging in ends any session the browser presented and starts a new one
(session id rotation, AZ-13).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, current_app, g, request

from ..clock import clock
from ..extensions import db
from ..models import LoginSession, User


@dataclass(frozen=True)
class LoginState:
    session: LoginSession
    user: User

    @property
    def auth_time(self) -> int:
        return self.session.auth_time


def cookie_name() -> str:
    return "__Host-session" if current_app.config["AUTHSERVER_COOKIE_SECURE"] else "session_id"


def current_login() -> LoginState | None:
    """The live session this browser presents, for a usable account; None otherwise."""
    if "login_state" not in g:
        g.login_state = _load(request.cookies.get(cookie_name()))
    return g.login_state


def _load(handle: str | None) -> LoginState | None:
    if not handle:
        return None
    session = LoginSession.find(handle, clock.now())
    user = db.session.get(User, session.user_id) if session else None
    if session is None or user is None or user.disabled:
        return None
    return LoginState(session=session, user=user)


def begin_login(response: Response, user: User) -> LoginState:
    """Start a new session for a user who just authenticated; ends the presented one."""
    now = clock.now()
    presented = request.cookies.get(cookie_name())
    if presented:
        LoginSession.end(presented, now)
    ttl = current_app.config["AUTHSERVER_SESSION_TTL"]
    session, handle = LoginSession.start(user.id, now, ttl)
    response.set_cookie(cookie_name(), handle, max_age=ttl, path="/", httponly=True,
                        secure=current_app.config["AUTHSERVER_COOKIE_SECURE"], samesite="Lax")
    g.login_state = LoginState(session=session, user=user)
    return g.login_state


def end_login(response: Response) -> None:
    """Log the browser out: the row ends (so a copied cookie is dead too), the cookie goes."""
    presented = request.cookies.get(cookie_name())
    if presented:
        LoginSession.end(presented, clock.now())
    response.delete_cookie(cookie_name(), path="/", httponly=True,
                           secure=current_app.config["AUTHSERVER_COOKIE_SECURE"], samesite="Lax")
    g.login_state = None
