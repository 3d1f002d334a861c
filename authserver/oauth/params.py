"""Strict reading of protocol requests: what RFC 6749 §3.1-3.2 asks, checked before Authlib.

A form body only (RFC 6749 §4.1.3), no parameter twice, empty values treated as absent,
no control characters or invalid UTF-8, no value longer than its bound (IV-01). Each problem
is an invalid_request the client can act on; nothing is stored before these checks pass.
"""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import InvalidRequestError
from flask import Request, g
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 64
#: longest value a browser request may carry (state of a few KB fits: AZ-07)
MAX_FRONT_CHANNEL_VALUE = 4096
#: C0/C1 controls, DEL, and the bidirectional overrides and isolates (IV-04)
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SAFE_NAME = re.compile(r"[a-z_]{1,40}")
#: the longest value these parameters may have: anything longer cannot be valid here (IV-01).
#: Others are bounded by the body size only: RFC 7009 and 7662 answer an unknown token of
#: any length like any unknown token, and passwords have AUTHSERVER_PASSWORD_MAX_LENGTH.
MAX_LENGTHS = {
    "client_id": 128,            # ours are 24 hex digits
    "scope": 1000,               # the longest scope a client or a login can hold
    "state": MAX_FRONT_CHANNEL_VALUE,  # AZ-07: a 2 KB state comes back byte-exact
    "nonce": 1024,
    "redirect_uri": 2048, "post_logout_redirect_uri": 2048,
    # RFC 7636 §4.1: 43 to 128 characters; a longer verifier still reaches the PKCE check,
    # which answers invalid_grant and burns the code (PK-07)
    "code_challenge": 128, "code_verifier": 1024,
    "username": 320, "email": 320,                # the longest email address
    "grant_type": 64, "response_type": 64, "token_type_hint": 64,
}


def _name_for_message(name: str) -> str:
    """Echo a parameter name only when it is plainly safe to."""
    return f"'{name}'" if _SAFE_NAME.fullmatch(name) else "a parameter"


def has_control_characters(value: str) -> bool:
    """True for text no protocol parameter may carry, wherever it was sent (IV-04)."""
    return _FORBIDDEN.search(value) is not None


def parse_pairs(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Reject repeats and control characters; drop empty values."""
    params: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in pairs:
        if name in seen:
            raise InvalidRequestError(f"{_name_for_message(name)} is repeated")
        seen.add(name)
        if has_control_characters(name) or has_control_characters(value):
            raise InvalidRequestError(f"{_name_for_message(name)} contains control characters")
        if len(value) > MAX_LENGTHS.get(name, len(value)):  # others: the body cap only
            raise InvalidRequestError(f"{_name_for_message(name)} is too long")
        if value != "":
            params[name] = value
    return params


def _parse(raw: bytes, where: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict",
                          max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise InvalidRequestError(f"{where} is not valid UTF-8") from None
    except ValueError:
        raise InvalidRequestError("too many parameters") from None
    return parse_pairs(pairs)


def read_query(request: Request) -> dict[str, str]:
    """The query string's parameters, checked like a form body (GET /authorize, /userinfo)."""
    return _parse(request.query_string, "the query string")


def read_form(request: Request, allow_query: bool = False) -> dict[str, str]:
    """The parameters of a POST to a protocol endpoint, checked.

    With allow_query, a parameter may come in the query or the body, never in both (IV-03).
    Parsed once per request: the rate limits read the client_id and username before the view.
    """
    if not allow_query and request.environ.get("QUERY_STRING") and request.args:
        raise InvalidRequestError("parameters must be sent in the request body, "
                                  "not in the query string")
    if request.mimetype != FORM_TYPE:
        raise InvalidRequestError(f"the request body must be {FORM_TYPE}")
    parsed = g.get("protocol_form")
    if parsed is None:
        try:
            parsed = _parse(_body(request), "the request body")
        except InvalidRequestError as error:
            parsed = error
        g.protocol_form = parsed
    if isinstance(parsed, InvalidRequestError):
        raise parsed
    if allow_query:
        for name in parsed.keys() & read_query(request).keys():
            raise InvalidRequestError(f"{_name_for_message(name)} is repeated")
    return dict(parsed)


def _body(request: Request) -> bytes:
    """The body, read at once when it states its length (every form POST we know of).

    Werkzeug's get_data wraps the input in a limited stream and reads it in chunks, ~16 us of
    a token request in process. Here: the same 413 past MAX_CONTENT_LENGTH and 400 for a short
    body, and the bytes put back as the input, so that anything reading after us (Werkzeug's
    form parser) reads them too. A chunked body, or one Werkzeug has begun reading, is left
    to Werkzeug.
    """
    environ = request.environ
    length = environ.get("CONTENT_LENGTH", "")
    if (not (length.isascii() and length.isdigit()) or "HTTP_TRANSFER_ENCODING" in environ
            or "stream" in request.__dict__):  # Werkzeug's stream (a cached_property) is open
        return request.get_data(cache=True)
    size = int(length)
    limit = request.max_content_length
    if limit is not None and size > limit:
        raise RequestEntityTooLarge()
    data = environ["wsgi.input"].read(size)
    if len(data) < size:
        raise ClientDisconnected()
    environ["wsgi.input"] = io.BytesIO(data)
    return data


def read_front_channel(request: Request) -> dict[str, str]:
    """The parameters of a browser request (/authorize, /logout): the query of a GET, the
    form body of a POST (OIDC Core §3.1.2.1), each value of bounded length."""
    params = read_form(request) if request.method == "POST" else read_query(request)
    if any(len(value) > MAX_FRONT_CHANNEL_VALUE for value in params.values()):
        raise InvalidRequestError(f"a parameter is longer than {MAX_FRONT_CHANNEL_VALUE} "
                                  "characters")
    return params
