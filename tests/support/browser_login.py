"""Drive the login and consent forms the way a browser without JavaScript does.

GET the page, find its form (action, hidden fields such as the CSRF token), fill in the
visible fields, POST it, and return where the server sends the browser next. Works with
Flask's test client (paths; `base_url` "" or a scheme and host such as an https issuer's)
and with a `requests.Session` against a live server (absolute URLs on `base_url`); both keep
the cookies the pages set, as a browser would.

    location = login(http, base, "alice@example.com", PASSWORD, request_handle=handle)
    location = consent(http, base, handle, allow=True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import requests


@dataclass
class Form:
    """A <form method=post> of a page, as a browser would submit it."""

    action: str
    fields: dict[str, str] = field(default_factory=dict)
    #: submit buttons: name -> value ("decision" -> ["allow", "deny"])
    buttons: dict[str, list[str]] = field(default_factory=dict)


    def has(self, name: str) -> bool:
        return name in self.fields or name in self.buttons


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and found.get("method", "").lower() == "post":
            self._form = Form(action=found.get("action", ""))
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "button") and found.get("name"):
            kind = found.get("type", "text" if tag == "input" else "submit").lower()
            if kind == "submit":
                self._form.buttons.setdefault(found["name"], []).append(found.get("value", ""))
            elif kind != "checkbox" or "checked" in found:
                self._form.fields[found["name"]] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


@dataclass
class Page:
    status: int
    headers: Any
    text: str
    url: str

    def form(self, *names: str) -> Form:
        """The POST form that has all these fields or buttons (a page may have several)."""
        parser = _FormParser()
        parser.feed(self.text)
        for form in parser.forms:
            if all(form.has(name) for name in names):
                return form
        raise AssertionError(f"no POST form with {names} on {self.url} ({self.status}): "
                             f"{self.text[:500]}")


def _is_live(http: Any) -> bool:
    return isinstance(http, requests.Session)


def _url(base_url: str, path: str, http: Any) -> str:
    return urljoin(base_url.rstrip("/") + "/", path.lstrip("/")) if _is_live(http) else path


def _send(http: Any, method: str, base_url: str, url: str, **kwargs: Any) -> Page:
    """One request, never following redirects: the caller inspects each hop."""
    if _is_live(http):
        response = http.request(method, url, allow_redirects=False, timeout=30, **kwargs)
    else:  # Flask's test client: paths, on base_url's scheme and host when one is given
        response = http.open(url, method=method, base_url=base_url or None, **kwargs)
    return Page(response.status_code, response.headers, response.text, url)


def get_page(http: Any, base_url: str, path: str) -> Page:
    """GET a page."""
    return _send(http, "GET", base_url, _url(base_url, path, http))


def submit(http: Any, base_url: str, page: Page, values: dict[str, str],
           headers: dict[str, str] | None = None) -> Page:
    """POST the page's form that has `values`' fields, with its hidden fields (the CSRF
    token) plus `values` (a clicked button too)."""
    form = page.form(*values)
    target = urljoin(page.url, form.action) if form.action else page.url
    if not _is_live(http):
        parts = urlsplit(target)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    return _send(http, "POST", base_url, target, data={**form.fields, **values},
                 headers=headers or {})


def login_path(request_handle: str | None = None, next_path: str | None = None) -> str:
    query = {key: value for key, value in (("request", request_handle), ("next", next_path))
             if value is not None}
    return "/login" + (f"?{urlencode(query)}" if query else "")


def submit_login(http: Any, base_url: str, email: str, password: str,
                 request_handle: str | None = None, next_path: str | None = None,
                 headers: dict[str, str] | None = None) -> Page:
    """Open the login page and send the form; returns the answer, whatever it is."""
    page = get_page(http, base_url, login_path(request_handle, next_path))
    return submit(http, base_url, page, {"email": email, "password": password}, headers)


def login(http: Any, base_url: str, email: str, password: str,
          request_handle: str | None = None, next_path: str | None = None) -> str:
    """Log in through the form; returns the Location of the 303 that follows."""
    return _redirect(submit_login(http, base_url, email, password, request_handle,
                                  next_path))


def consent_path(request_handle: str) -> str:
    return f"/consent?{urlencode({'request': request_handle})}"


def submit_consent(http: Any, base_url: str, request_handle: str, allow: bool = True,
                   headers: dict[str, str] | None = None) -> Page:
    """Open the consent page and click Allow (or Deny); returns the answer."""
    page = get_page(http, base_url, consent_path(request_handle))
    return submit(http, base_url, page, {"decision": "allow" if allow else "deny"}, headers)


def consent(http: Any, base_url: str, request_handle: str, allow: bool = True) -> str:
    """Answer the consent page; returns the Location of the 303 that follows."""
    return _redirect(submit_consent(http, base_url, request_handle, allow))


def _redirect(answer: Page) -> str:
    if answer.status != 303:
        raise AssertionError(f"expected a 303 from {answer.url}, got {answer.status}: "
                             f"{answer.text[:500]}")
    return answer.headers["Location"]
