"""Request hygiene on every protocol endpoint, before its view runs (IV-01..IV-04).

One table says how each endpoint takes parameters; a before-request hook applies the checks
of oauth/params.py to what the request carries (query string and form body): no repeats,
empty means absent, no control characters or invalid UTF-8, bounded lengths, a form body
only. The body size cap is MAX_CONTENT_LENGTH (413). A failure is a 400 invalid_request
(JSON; a page may register its own handler for MalformedRequest), and never an echo of the
raw input. A new endpoint is one entry in PROTOCOL_ENDPOINTS.
"""

from __future__ import annotations

from enum import Enum

from authlib.oauth2.rfc6749 import InvalidRequestError
from flask import Flask, Response, request

from ..oauth.params import read_form, read_query
from .answers import error_answer


class Takes(Enum):
    """Where an endpoint's parameters may be."""

    BODY = "body"              # a POST form body only: the token endpoint and its kin
    QUERY_OR_BODY = "either"   # GET query or POST form (/userinfo, /refresh)


#: URL rule -> where its parameters may be.
PROTOCOL_ENDPOINTS: dict[str, Takes] = {
    "/token": Takes.BODY,
    "/revoke": Takes.BODY,
    "/introspect": Takes.BODY,
    "/userinfo": Takes.QUERY_OR_BODY,
    "/refresh": Takes.QUERY_OR_BODY,
    "/account/sessions": Takes.QUERY_OR_BODY,
    "/account/sessions/<family_id>": Takes.QUERY_OR_BODY,
}
# Not here: /authorize and /logout read their parameters through the same oauth/params.py
# checks in the view, where RFC 6749 §4.1.2.1's error page-or-redirect rules apply; the
# sign-in and consent pages answer a bad field with their own form (no echo, no session).


class MalformedRequest(InvalidRequestError):
    """A request no protocol endpoint processes; answered 400 invalid_request."""


def check_request() -> None:
    """Read and check every parameter the request carries, for an endpoint in the table."""
    takes = PROTOCOL_ENDPOINTS.get(request.url_rule.rule) if request.url_rule else None
    if takes is None:
        return
    try:
        if takes is Takes.QUERY_OR_BODY:
            read_query(request)
        if request.method == "POST" and (takes is Takes.BODY or request.content_length):
            read_form(request, allow_query=takes is Takes.QUERY_OR_BODY)
    except InvalidRequestError as error:
        raise MalformedRequest(error.description) from None


def malformed(error: MalformedRequest) -> Response:
    return error_answer(400, "invalid_request", error.description)


def init_app(app: Flask) -> None:
    app.before_request(check_request)
    app.register_error_handler(MalformedRequest, malformed)
