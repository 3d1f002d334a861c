"""First-party refresh-cookie mode: POST /refresh rotates the cookie's refresh token, DELETE
/refresh signs out.

CSRF defence that does not rest on SameSite alone: the request must come from an origin
registered for the cookie's client, and carry X-Requested-With, which a cross-site form
cannot send (and a cross-site fetch cannot either without passing our CORS allowlist).
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..audit import audit
from ..clock import clock
from ..extensions import db
from ..models import Client, RefreshToken, RefreshTokenState, TokenFamily, hot_path
from ..oauth.server import authorization_server
from .answers import error_answer
from .oauth import finish, token_response
from .refresh_cookie import clear_refresh_cookie, presented_cookie

bp = Blueprint("refresh", __name__)


class CookieRefused(Exception):
    """The request ends here; `signed_out` means the cookie is gone for good."""

    def __init__(self, status: int, error: str, description: str, signed_out: bool) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description
        self.signed_out = signed_out


def _no_session() -> CookieRefused:
    return CookieRefused(401, "invalid_grant", "no valid refresh cookie: sign in again", True)


@bp.errorhandler(CookieRefused)
def refused(exc: CookieRefused) -> Response:
    db.session.rollback()
    if exc.signed_out and request.method == "DELETE":
        response = Response(status=204)  # nothing left to sign out of
    else:
        response = error_answer(exc.status, exc.error, exc.description)
    if exc.signed_out:
        clear_refresh_cookie(response)
    return response


def cookie_token(rotating: bool = False) -> tuple[str, RefreshTokenState]:
    """The cookie and what is stored about it, from an allowed origin of its client."""
    if not request.headers.get("X-Requested-With"):
        raise CookieRefused(403, "invalid_request", "X-Requested-With is required", False)
    value = presented_cookie()
    found, client = _stored(value, rotating) if value else (None, None)
    if found is None or client is None or not client.refresh_cookie:
        raise _no_session()
    if request.headers.get("Origin") not in client.cors_origins:
        raise CookieRefused(403, "invalid_request", "origin not allowed for this client", False)
    return value, found


def _stored(value: str, rotating: bool) -> tuple[RefreshTokenState | None, Client | None]:
    """The token's row and its client. A rotation reads them in a driver transaction of its
    own, as the refresh grant does (models/hot_path.py), when the client's record is in
    memory; otherwise the session reads the client, and the token again with it."""
    server = authorization_server()
    if rotating and hot_path.open_driver_transaction():
        found = RefreshToken.lookup(value)
        if found is None:
            return None, None
        if (client := server.clients.cached(found.client_id)) is not None:
            return found, client
        hot_path.end(commit_it=False)  # nothing written yet
    found = RefreshToken.lookup(value)
    return found, found and server.query_client(found.client_id)


@bp.post("/refresh")
def refresh() -> Response:
    """Same rotation, grace window and reuse detection as grant_type=refresh_token; the grant
    reuses the lookup made here."""
    value, found = cookie_token(rotating=True)
    result = authorization_server().issue_tokens(
        {"grant_type": "refresh_token", "refresh_token": value, "client_id": found.client_id},
        prefetched=(value, found))
    if not result.ok:
        raise _no_session()
    return finish(token_response(result))


@bp.delete("/refresh")
def sign_out() -> Response:
    """Revoke the cookie's family, or every family of its user with ?everywhere=1."""
    _, found = cookie_token()
    everywhere = request.args.get("everywhere") in ("1", "true")
    now = clock.now()
    if everywhere:
        TokenFamily.revoke_for_user(found.user_id, now)
    else:
        TokenFamily.revoke(found.family_id, now)
    audit("session.signed_out", family=found.family_id, client_id=found.client_id,
          everywhere=everywhere)
    db.session.commit()
    response = Response(status=204)
    clear_refresh_cookie(response)
    return response
