"""`?next=` after the login page: only a path on this server, never another site (AZ-17).

Browsers are generous with what they treat as a host: `//evil`, `/\\evil`, `/\\t/evil` (tabs
and newlines are dropped), `https:evil` and their percent-encoded forms all leave the site.
Rather than list every trick, accept only a plain absolute path whose every decoding still
is one.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

DEFAULT = "/account"
MAX_LENGTH = 2048


def same_origin_path(value: str | None) -> str | None:
    """`value` when it is a safe local path (with its query), else None."""
    if not value or len(value) > MAX_LENGTH:
        return None
    decoded, previous = value, None
    while decoded != previous:  # every layer of percent-encoding a later hop might undo
        if not _plain_path(decoded):
            return None
        previous, decoded = decoded, unquote(decoded)
    return value


def _plain_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//"):
        return False
    if "\\" in value or any(ord(char) < 0x21 or ord(char) == 0x7F for char in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def next_path(value: str | None) -> str:
    """Where to go after signing in: `value` if safe, else the account page."""
    return same_origin_path(value) or DEFAULT
