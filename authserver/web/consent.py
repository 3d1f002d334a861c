"""The consent page: may this application have these scopes? Allow or deny, once.

The form is bound to the one pending authorization request and the one login session
(AZ-14): its CSRF token is signed over both, and a request that already has an answer takes
no second one, so a replayed or cross-site "Allow" changes nothing. Remembered consent and
the first-party skip are decided at /authorize; this page only records the user's answer.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Response, request

from ..audit import audit
from ..clock import clock
from ..extensions import db
from ..models import AuthorizationRequest, Client, Consent
from . import csrf
from .handoff import (
    client_destination,
    expired_page,
    page_url,
    pending_request,
    request_handle,
    resume,
    see_other,
)
from .login_session import LoginState, current_login
from .pages import render_page
from .scope_words import describe_all

bp = Blueprint("consent", __name__)
bp.after_request(csrf.set_cookie)

ANSWERED = ("This request was already answered. "
            "Go back to the application and sign in again.")


@bp.get("/consent")
def consent() -> Response:
    return _handle(_show)


@bp.post("/consent")
def decide() -> Response:
    return _handle(_decide)


def _handle(view: Callable[[AuthorizationRequest, str, LoginState], Response]) -> Response:
    """Common checks: a live request, and a login by the user it is for."""
    handle = request_handle() or ""
    pending = pending_request(handle)
    if pending is None:
        return expired_page()
    state = current_login()
    if state is None or pending.user_id not in (None, state.user.id):
        return see_other(page_url("/login", handle))  # sign in (again) as the right user
    return view(pending, handle, state)


def _show(pending: AuthorizationRequest, handle: str, state: LoginState) -> Response:
    return resume(handle) if pending.consent else _form(pending, handle, state)


def _decide(pending: AuthorizationRequest, handle: str, state: LoginState) -> Response:
    if not csrf.valid_post("consent", handle, str(state.session.id)):
        return _form(pending, handle, state, status=403,
                     error="This page has expired. Please review the request again.")
    if pending.consent is not None:
        return render_page("authorize_error.html", 400, error="invalid_request",
                           error_description=ANSWERED)
    decision = request.form.get("decision")
    if decision not in ("allow", "deny"):
        return _form(pending, handle, state, status=400, error="Choose Allow or Deny.")
    if pending.user_id is None:
        pending.record_login(state.user.id, state.auth_time)
    scope = pending.params.get("scope") or ""
    if decision == "allow":
        Consent.grant(state.user.id, pending.client_id, set(scope.split()), clock.now())
    pending.record_consent(decision == "allow")
    audit("consent.granted" if decision == "allow" else "consent.denied",
          client_id=pending.client_id, user=state.user.sub, scope=scope)
    db.session.commit()
    return resume(handle)


def _form(pending: AuthorizationRequest, handle: str, state: LoginState,
          error: str | None = None, status: int = 200) -> Response:
    return render_page(
        "consent.html", status, form_targets=client_destination(pending),
        client=Client.find(pending.client_id), user=state.user,
        scopes=describe_all(pending.params.get("scope") or ""), error=error,
        destination=_destination(pending),
        action=page_url("/consent", handle), switch_account=page_url("/login", handle),
        csrf_token=csrf.form_token("consent", handle, str(state.session.id)))


def _destination(pending: AuthorizationRequest) -> str | None:
    """The host the answer goes to, shown so that a look-alike app name stands out."""
    destination = client_destination(pending)
    parts = urlsplit(destination[0]) if destination else None
    return (parts.hostname or parts.scheme) if parts else None
