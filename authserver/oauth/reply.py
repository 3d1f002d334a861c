"""What the authorization endpoint answers: an error page, a redirect to the client, or a
hand-off to one of our pages. Redirects to the client carry `iss` (RFC 9207 §2) and the
state exactly as sent, and leave the registered URI's own query untouched."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit


@dataclass(frozen=True)
class ErrorPage:
    """Shown to the user; never a redirect (RFC 6749 §4.1.2.1)."""

    error: str
    description: str


@dataclass(frozen=True)
class Redirect:
    location: str


@dataclass(frozen=True)
class Interaction:
    """Send the browser to a page of ours with the pending request's handle."""

    page: str
    handle: str


Outcome = ErrorPage | Redirect | Interaction


class RequestError(Exception):
    """An error for the client's redirect URI (RFC 6749 §4.1.2.1)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


#: what error_description may hold: %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §4.1.2.1, AZ-18)
_UNSAFE = re.compile(r'[^\x20-\x21\x23-\x5b\x5d-\x7e]')


def safe_description(text: str) -> str:
    return _UNSAFE.sub("?", text)[:300]


@dataclass(frozen=True)
class Reply:
    """Answers to one client's redirect URI, already checked against its registration."""

    redirect_uri: str
    state: str | None
    issuer: str

    def success(self, **params: str) -> Redirect:
        return self._redirect(params)

    def error(self, error: str, description: str) -> Redirect:
        return self._redirect({"error": error, "error_description": safe_description(description)})

    def _redirect(self, params: dict[str, str]) -> Redirect:
        if self.state is not None:
            params["state"] = self.state
        params["iss"] = self.issuer
        query = urlencode(params, quote_via=quote, safe="")
        uri = self.redirect_uri
        separator = "&" if urlsplit(uri).query else ("" if uri.endswith("?") else "?")
        return Redirect(f"{uri}{separator}{query}")
