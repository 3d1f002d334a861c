"""The sign-in page: email + password through the one credential check, then a new session.

Reached from /authorize with `?request=<handle>` (the pending authorization request; back to
/authorize/resume afterwards) or directly with an optional same-origin `?next=` path. Every
failure shows the same generic message (BF-02, BF-03); no session exists before the password
is right, and a successful login always starts a new one (AZ-13).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request

from ..credentials import check_credentials
from ..extensions import db
from ..models import AuthorizationRequest, Client
from ..oauth.params import has_control_characters
from ..passwords import RETRY_AFTER, PasswordHashBusy
from . import csrf
from .handoff import (
    client_destination,
    expired_page,
    pending_request,
    request_handle,
    resume,
    see_other,
)
from .login_session import begin_login, current_login
from .logout import PURPOSE as END_SESSION
from .next_path import next_path, same_origin_path
from .pages import render_page
from .rate_limits import RateLimited

bp = Blueprint("login", __name__)
bp.after_request(csrf.set_cookie)

WRONG = "Incorrect email or password."
MISSING = "Enter your email address and password."
STALE = "This sign-in form has expired. Please sign in again."
BUSY = "Too many sign-in attempts right now. Please wait a moment and try again."


def for_request(view: Callable[[str | None, AuthorizationRequest | None], Response]
                ) -> Callable[[], Response]:
    """Call the view with the `?request=` handle and its live request (None, None without
    one); a handle whose request has expired or was answered gets the expired page."""

    @wraps(view)
    def resolved() -> Response:
        handle = request_handle()
        pending = pending_request(handle) if handle is not None else None
        if handle is not None and pending is None:
            return expired_page()
        return view(handle, pending)

    return resolved


@bp.get("/login")
@for_request
def login(handle: str | None, pending: AuthorizationRequest | None) -> Response:
    hint = (pending.params.get("login_hint") or "") if pending else ""
    return _form(pending, handle, email=hint)


@bp.post("/login")
@for_request
def submit(handle: str | None, pending: AuthorizationRequest | None) -> Response:
    email = request.form.get("email", "").strip()
    if not csrf.valid_post("login", handle or ""):
        return _form(pending, handle, email, error=STALE, status=403)
    password = request.form.get("password", "")
    if not email or not password:
        return _form(pending, handle, email, error=MISSING, status=400)
    if has_control_characters(email):  # no account has one; PostgreSQL text cannot hold NUL
        return _form(pending, handle, "", error=WRONG, status=400)
    try:
        user = check_credentials(email, password, current_app.config[
            "AUTHSERVER_PASSWORD_MAX_LENGTH"], via="login_form",
            client_id=pending.client_id if pending else None)
    except PasswordHashBusy:  # every hashing slot of this worker is taken
        answer = _form(pending, handle, email, error=BUSY, status=503)
        answer.headers["Retry-After"] = str(RETRY_AFTER)
        return answer
    if user is None:
        return _form(pending, handle, email, error=WRONG, status=400)
    answer = resume(handle) if pending else see_other(next_path(request.args.get("next")))
    state = begin_login(answer, user)
    if pending:
        pending.record_login(user.id, state.auth_time)
    db.session.commit()
    return answer


def _form(pending: AuthorizationRequest | None, handle: str | None, email: str,
          error: str | None = None, status: int = 200) -> Response:
    """The sign-in form; with an error, the same page and message for every failure."""
    client = Client.find(pending.client_id) if pending else None
    if pending:
        query = {"request": handle}
    else:
        safe_next = same_origin_path(request.args.get("next"))
        query = {"next": safe_next} if safe_next else {}
    state = None if pending else current_login()
    return render_page(
        "login.html", status, form_targets=client_destination(pending), client=client,
        email=email, error=error,
        action="/login" + (f"?{urlencode(query)}" if query else ""),
        csrf_token=csrf.form_token("login", handle or ""), signed_in=state,
        logout_token=csrf.form_token(END_SESSION, str(state.session.id)) if state else None)


@bp.errorhandler(RateLimited)
def too_many(exc: RateLimited) -> Response:
    """The limits of web/rate_limits.py, answered as a page (the JSON error is for clients)."""
    answer = render_page("authorize_error.html", 429, error="rate_limited",
                         error_description=BUSY)
    answer.headers["Retry-After"] = str(exc.retry_after)
    return answer

