"""CSRF tokens for our HTML forms (AZ-13, AZ-14): signed, bound to the browser and the task.

The first form a browser sees gives it a random pre-session value in an HttpOnly cookie
(`__Host-csrf`; `csrf` on a loopback http issuer in development). A form's token is an HMAC,
with the server secret, of that value, the form's purpose and what the form acts on (the
authorization request's handle, the login session). Another site can neither read the token
nor set our cookie, and a token copied from one request or session is worthless for another.
Nothing is stored server-side.
"""

from __future__ import annotations

import hmac

from flask import Response, current_app, g, request

from ..audit import audit
from ..clients import issuer_origin
from ..crypto import derive_token, new_token

FIELD = "csrf_token"


def cookie_name() -> str:
    return "__Host-csrf" if current_app.config["AUTHSERVER_COOKIE_SECURE"] else "csrf"


def _browser_value(create: bool) -> str | None:
    """The value in this browser's CSRF cookie; a new one (set by `set_cookie`) if asked."""
    if "csrf_value" not in g:
        presented = request.cookies.get(cookie_name(), "")
        g.csrf_value = presented if 32 <= len(presented) <= 64 else None
        g.csrf_new = False
    if g.csrf_value is None and create:
        g.csrf_value, g.csrf_new = new_token(), True
    return g.csrf_value


def _sign(value: str, purpose: str, bindings: tuple[str, ...]) -> str:
    return derive_token(current_app.config["AUTHSERVER_SECRET_KEY"], f"csrf:{purpose}",
                        "\x00".join((value, *bindings)))


def form_token(purpose: str, *bindings: str) -> str:
    """The hidden field's value for a form about `bindings` (issue a cookie if needed)."""
    return _sign(_browser_value(create=True), purpose, bindings)


def valid_post(purpose: str, *bindings: str) -> bool:
    """True when this POST carries the token its form was given, from our own pages; a
    refusal is an audit line (a cross-site attempt is worth seeing)."""
    reason = _refusal(purpose, bindings)
    if reason:
        audit("form.rejected", form=purpose, reason=reason)
    return reason is None


def _refusal(purpose: str, bindings: tuple[str, ...]) -> str | None:
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return "cross_site"
    origin = request.headers.get("Origin")
    # "null": what browsers send for a form POST from a page with Referrer-Policy no-referrer
    if origin not in (None, "null", issuer_origin(current_app.config["AUTHSERVER_ISSUER"])):
        return "cross_origin"
    value = _browser_value(create=False)
    if value is None:
        return "no_cookie"
    presented = request.form.get(FIELD, "")
    if not hmac.compare_digest(presented.encode(), _sign(value, purpose, bindings).encode()):
        return "bad_token"
    return None


def set_cookie(response: Response) -> Response:
    """After a page made a token for a new browser: hand the browser its value."""
    if g.get("csrf_new"):
        response.set_cookie(cookie_name(), g.csrf_value, path="/", httponly=True,
                            secure=current_app.config["AUTHSERVER_COOKIE_SECURE"],
                            samesite="Lax")
    return response
