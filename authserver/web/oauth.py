"""The token, revocation and introspection endpoints."""

from __future__ import annotations

from flask import Blueprint, Response

from ..extensions import db
from ..models import hot_path
from ..oauth.server import TokenResult, authorization_server
from .refresh_cookie import set_refresh_cookie

bp = Blueprint("oauth", __name__)


def finish(response: Response) -> Response:
    """One transaction per request, committed before the answer leaves (RL-03).

    A request that never touched the database (client_credentials on a cached client)
    has no session to end: making one just to commit nothing costs ~5% of such a request.
    A refresh may have run in a driver transaction of its own instead (models/hot_path.py).
    """
    hot_path.end(commit_it=response.status_code == 200)
    if not db.session.registry.has():
        return response
    if response.status_code == 200:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def token_response(result: TokenResult) -> Response:
    """In refresh-cookie mode the refresh token goes into the cookie, never the body."""
    cookie = None
    if result.ok and result.client is not None and result.client.refresh_cookie:
        cookie = result.body.pop("refresh_token", None)
    response = result.response()
    if cookie is not None:
        set_refresh_cookie(response, cookie, result.body["refresh_token_expires_in"])
    return response


@bp.post("/token")
def token() -> Response:
    return finish(token_response(authorization_server().issue_tokens()))


@bp.post("/revoke")
def revoke() -> Response:
    """RFC 7009: 200 with an empty body, known token or not (RV-02)."""
    response = authorization_server().endpoint_response("revocation")
    if response.status_code == 200:
        response.set_data(b"")
        del response.headers["Content-Type"]
    return finish(response)


@bp.post("/introspect")
def introspect() -> Response:
    return authorization_server().endpoint_response("introspection")
