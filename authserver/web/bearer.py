"""Bearer-token protection for our own resource endpoints (RFC 6750)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from authlib.oauth2.rfc6749 import OAuth2Error
from flask import Response, request

from ..clock import clock
from ..oauth.bearer import InvalidToken, verify_access_token
from ..oauth.params import read_form
from .answers import error_answer, json_answer

REALM = 'realm="authserver"'


def bearer_error(status: int, error: str, description: str, extra: str = "") -> Response:
    challenge = f'{REALM}, error="{error}", error_description="{description}"{extra}'
    return json_answer(status, {"error": error, "error_description": description}, challenge)


def presented_token() -> str | None:
    """The one token sent; more than one method is invalid_request (RFC 6750 §2)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    found = [value.strip()] if scheme.lower() == "bearer" and value.strip() else []
    if "access_token" in request.args:
        raise OAuth2Error("access tokens in the URL are not accepted", error="invalid_request")
    if request.method == "POST" and request.content_length:
        body_token = read_form(request).get("access_token")
        found += [body_token] if body_token else []
    if len(found) > 1:
        raise OAuth2Error("send the access token one way only", error="invalid_request")
    return found[0] if found else None


def require_access_token(view: Callable[..., Response]) -> Callable[..., Response]:
    """Call the view with the claims of a valid, live access token, or answer 400/401."""

    @wraps(view)
    def protected(*args: object, **kwargs: object) -> Response:
        try:
            token = presented_token()
        except OAuth2Error as error:
            return error_answer(400, error.error, error.description)
        if token is None:
            return json_answer(401, {}, REALM)
        try:
            claims = verify_access_token(token, clock.now())
        except InvalidToken as exc:
            return bearer_error(401, "invalid_token", str(exc))
        return view(claims, *args, **kwargs)

    return protected
