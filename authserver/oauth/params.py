"""Strict reading of protocol requests: what RFC 6749 §3.1-3.2 asks, checked before Authlib.

A form body only (RFC 6749 §4.1.3), no parameter twice, empty values treated as absent,
no control characters or invalid UTF-8. Each problem is an invalid_request the client can act
on; nothing is stored before these checks pass.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import InvalidRequestError
from flask import Request

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 64
#: longest value a browser request may carry (state of a few KB fits: AZ-07)
MAX_FRONT_CHANNEL_VALUE = 4096
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


def _parse(raw: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict",
                          max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise InvalidRequestError("the request is not valid UTF-8") from None
    except ValueError:
        raise InvalidRequestError("too many parameters") from None
    return parse_pairs(pairs)


def read_form(request: Request, allow_query: bool = False) -> dict[str, str]:
    """The parameters of a POST to a protocol endpoint, checked."""
    if not allow_query and request.environ.get("QUERY_STRING") and request.args:
        raise InvalidRequestError("parameters must be sent in the request body, "
                                  "not in the query string")
    if request.mimetype != FORM_TYPE:
        raise InvalidRequestError(f"the request body must be {FORM_TYPE}")
    return _parse(request.get_data(cache=True))


def read_front_channel(request: Request) -> dict[str, str]:
    """The parameters of a browser request (/authorize, /logout): the query of a GET, the
    form body of a POST (OIDC Core §3.1.2.1), each value of bounded length."""
    params = (read_form(request) if request.method == "POST"
              else _parse(request.query_string))
    if any(len(value) > MAX_FRONT_CHANNEL_VALUE for value in params.values()):
        raise InvalidRequestError(f"a parameter is longer than {MAX_FRONT_CHANNEL_VALUE} "
                                  "characters")
    return params
