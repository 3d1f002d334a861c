"""Strict reading of protocol requests: what RFC 6749 §3.1-3.2 asks, checked before Authlib.

A form body only (RFC 6749 §4.1.3), no parameter twice, empty values treated as absent,
no control characters or invalid UTF-8. Each problem is an invalid_request the client can act
on; nothing is stored before these checks pass.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import InvalidRequestError
from flask import Request, g

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 64
#: C0/C1 controls, DEL, and the bidirectional overrides and isolates (IV-04)
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SAFE_NAME = re.compile(r"[a-z_]{1,40}")


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
        if value != "":
            params[name] = value
    return params


def read_form(request: Request, allow_query: bool = False) -> dict[str, str]:
    """The parameters of a POST to a protocol endpoint, checked.

    Parsed once per request: the rate limits read the client_id and username before the view.
    """
    if request.args and not allow_query:
        raise InvalidRequestError("parameters must be sent in the request body, "
                                  "not in the query string")
    if request.mimetype != FORM_TYPE:
        raise InvalidRequestError(f"the request body must be {FORM_TYPE}")
    parsed = g.get("protocol_form")
    if parsed is None:
        parsed = g.protocol_form = _parse_body(request)
    if isinstance(parsed, InvalidRequestError):
        raise parsed
    return dict(parsed)


def _parse_body(request: Request) -> dict[str, str] | InvalidRequestError:
    try:
        text = request.get_data(cache=True).decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict",
                          max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        return InvalidRequestError("the request body is not valid UTF-8")
    except ValueError:
        return InvalidRequestError("too many parameters")
    try:
        return parse_pairs(pairs)
    except InvalidRequestError as error:
        return error
