"""The token endpoint."""

from __future__ import annotations

from flask import Blueprint, Response

from ..extensions import db
from ..oauth.server import authorization_server

bp = Blueprint("oauth", __name__)


@bp.post("/token")
def token() -> Response:
    """One transaction per request, committed before the answer leaves (RL-03)."""
    response = authorization_server().create_token_response()
    if response.status_code == 200:
        db.session.commit()
    else:
        db.session.rollback()
    return response
