"""The library's only network access: small JSON documents over http(s), without redirects.

Standard library only (urllib), so a resource server needs nothing beyond joserfc. Only
https URLs are fetched, or http on a loopback address (development); never file:, ftp: or a
URL named by a token header (jku, x5u): those are not read at all.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ..config import is_loopback_http

MAX_BYTES = 1 << 20  # a JWK set or metadata document is a few kB
USER_AGENT = "authserver-resource/1"


class FetchError(Exception):
    """The document could not be fetched or is not a JSON object; says which URL and why."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx becomes an HTTPError: metadata and keys are served where named


_opener = urllib.request.build_opener(_NoRedirects)


def fetchable(url: object) -> bool:
    """https, or http on a loopback host."""
    if not isinstance(url, str):
        return False
    parts = urllib.parse.urlsplit(url)
    return (parts.scheme == "https" and bool(parts.hostname)) or is_loopback_http(url)


def get_json(url: str, timeout: float) -> tuple[dict, int | None]:
    """The JSON object at `url` and the max-age its Cache-Control allows (None: not said)."""
    return _exchange(_request(url), timeout)


def post_form(url: str, form: dict[str, str], credentials: tuple[str, str],
              timeout: float) -> dict:
    """POST a form with HTTP Basic client authentication (RFC 6749 §2.3.1); the JSON answer."""
    user, password = (urllib.parse.quote(part, safe="") for part in credentials)
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    request = _request(url, data=urllib.parse.urlencode(form).encode(), method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    request.add_header("Authorization", f"Basic {basic}")
    return _exchange(request, timeout)[0]


def _request(url: str, **options: Any) -> urllib.request.Request:
    if not fetchable(url):
        raise FetchError(f"{url}: not fetched (https, or http on a loopback address, only)")
    return urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}, **options)


def _exchange(request: urllib.request.Request, timeout: float) -> tuple[dict, int | None]:
    url = request.full_url
    try:
        with _opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_BYTES + 1)
            cache_control = response.headers.get("Cache-Control")
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise FetchError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    if len(body) > MAX_BYTES:
        raise FetchError(f"{url}: larger than {MAX_BYTES} bytes")
    try:
        document = json.loads(body)
    except ValueError:
        raise FetchError(f"{url}: not JSON") from None
    if not isinstance(document, dict):
        raise FetchError(f"{url}: not a JSON object")
    return document, max_age(cache_control)


def max_age(cache_control: str | None) -> int | None:
    """Seconds a response may be reused: max-age, 0 for no-store/no-cache, None if unsaid."""
    if not cache_control:
        return None
    seconds = None
    for directive in cache_control.lower().split(","):
        name, _, value = directive.strip().partition("=")
        if name in ("no-store", "no-cache"):
            return 0
        if name == "max-age" and value.strip().strip('"').isdigit():
            seconds = int(value.strip().strip('"'))
    return seconds
