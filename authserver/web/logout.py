"""GET/POST /logout: the end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0).

With a valid id_token_hint for the signed-in user the session ends at once. Otherwise a
cross-site link could sign the user out, so the user confirms on a page of ours first (a
POST with a CSRF token bound to the session). Then the browser goes to the registered
post_logout_redirect_uri (with state) or sees the signed-out page. No CORS headers (HD-04).
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import OAuth2Error
from flask import Blueprint, Response, current_app, redirect, request

from ..extensions import db
from ..oauth.logout import EndSession, end_session_request
from ..oauth.params import read_front_channel
from ..oauth.reply import RequestError
from ..oauth.server import authorization_server
from . import csrf
from .authorize import error_page
from .login_session import LoginState, current_login, end_login
from .pages import render_page, secure_page

bp = Blueprint("logout", __name__)
bp.after_request(csrf.set_cookie)

PURPOSE = "end-session"


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Response:
    try:
        params = read_front_channel(request)
        asked = end_session_request(authorization_server(),
                                    current_app.extensions["authserver.keys"], params)
    except (OAuth2Error, RequestError) as error:
        return error_page(error.error, error.description)
    state = current_login()
    if state is not None and not _confirmed(asked, state):
        return _confirmation(asked, state)
    location = asked.location()
    answer = (secure_page(redirect(location, 303)) if location
              else render_page("logged_out.html", client=asked.client))
    end_login(answer)
    db.session.commit()
    return answer


def _confirmed(asked: EndSession, state: LoginState) -> bool:
    if asked.hint_sub is not None and asked.hint_sub == state.user.sub:
        return True
    return request.method == "POST" and csrf.valid_post(PURPOSE, str(state.session.id))


def _confirmation(asked: EndSession, state: LoginState) -> Response:
    """Ask before signing out: the form posts the request back with a CSRF token."""
    fields = {"client_id": asked.client.client_id if asked.client else None,
              "post_logout_redirect_uri": asked.redirect_uri, "state": asked.state}
    # the answer to the form may end at the relying party: CSP form-action must allow it
    return render_page("logout.html", form_targets=[u for u in (asked.redirect_uri,) if u],
                       client=asked.client, user=state.user,
                       fields={k: v for k, v in fields.items() if v is not None},
                       csrf_token=csrf.form_token(PURPOSE, str(state.session.id)))
