"""GET/POST /authorize and GET /authorize/resume: the browser side of oauth/authorization.py.

Both answer with a 303 (to the client, or to the login or consent page) or an HTML error
page carrying the pages' security headers; never CORS headers (HD-04). The issuer, never
the Host header, is in every URL built here (DS-04).
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import OAuth2Error
from flask import Blueprint, Response, redirect, request

from ..extensions import db
from ..oauth import authorization
from ..oauth.params import read_front_channel
from ..oauth.reply import ErrorPage, Interaction, Outcome
from ..oauth.server import authorization_server
from ..oauth.subject import SignedIn
from .handoff import page_url, see_other
from .login_session import current_login
from .pages import render_page, secure_page

bp = Blueprint("authorize", __name__)


def signed_in() -> SignedIn | None:
    state = current_login()
    return SignedIn(state.user, state.auth_time) if state else None


def error_page(error: str, description: str) -> Response:
    return render_page("authorize_error.html", 400, error=error, error_description=description)


def respond(outcome: Outcome) -> Response:
    """One transaction per request: what the outcome stored (a pending request, a code, an
    answered request) is committed before the browser moves on."""
    if isinstance(outcome, ErrorPage):
        db.session.rollback()
        return error_page(outcome.error, outcome.description)
    db.session.commit()
    if isinstance(outcome, Interaction):
        return see_other(page_url(outcome.page, outcome.handle))
    return secure_page(redirect(outcome.location, 303))


@bp.route("/authorize", methods=["GET", "POST"])
def authorize() -> Response:
    try:
        params = read_front_channel(request)
    except OAuth2Error as error:  # nothing can be trusted yet, the redirect URI least
        return error_page(error.error, error.description)
    return respond(authorization.begin(authorization_server(), params, signed_in()))


@bp.get("/authorize/resume")
def resume() -> Response:
    handle = request.args.get("request", "")
    return respond(authorization.resume(authorization_server(), handle, signed_in()))
