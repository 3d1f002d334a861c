"""The pages' side of the /authorize handoff: find the pending request a page was sent for,
and send the browser back to /authorize/resume once the user has acted on it."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, redirect, request

from ..clock import clock
from ..models import AuthorizationRequest
from .pages import render_page, secure_page

EXPIRED = ("This sign-in request has expired or was already completed. "
           "Go back to the application and sign in again.")


def request_handle() -> str | None:
    """The `?request=` handle of this page, if it was reached from /authorize."""
    return request.args.get("request")


def pending_request(handle: str) -> AuthorizationRequest | None:
    """The live request for this handle: not expired, not yet answered to the client."""
    if not handle or len(handle) > 128:
        return None
    return AuthorizationRequest.find(handle, clock.now())


def client_destination(pending: AuthorizationRequest | None) -> tuple[str, ...]:
    """Where the request's answer goes: its form on our page may end there (form-action)."""
    uri = pending.params.get("redirect_uri") if pending else None
    return (uri,) if isinstance(uri, str) else ()


def expired_page() -> Response:
    return render_page("authorize_error.html", 400, error="invalid_request",
                       error_description=EXPIRED)


def see_other(location: str) -> Response:
    """The redirect after a form POST: 303, so the browser GETs the target and never
    re-sends the form (AZ-16: a 307/308 would re-POST the password)."""
    return secure_page(redirect(location, 303))


def resume(handle: str) -> Response:
    return see_other(f"/authorize/resume?{urlencode({'request': handle})}")


def page_url(path: str, handle: str) -> str:
    return f"{path}?{urlencode({'request': handle})}"
