"""A first-party single-page app in refresh-cookie mode, as its browser tab speaks to us.

Flask's test client runs without a cookie jar here: the tab keeps the refresh cookie by
hand, so a test can present a spent, forged or missing one, or another tab's. Every answer
the tab receives is checked never to carry a refresh token in its body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import PASSWORD, Registered

DAY = 86_400
#: the frontend's origin, registered as the web app's only CORS origin
ORIGIN = "https://app.example"
#: marks "what the tab would send by itself" in Frontend.call
CURRENT = "<current>"


@dataclass
class SetCookie:
    name: str
    value: str
    #: lower-cased attribute names; flags map to True
    attributes: dict[str, str | bool]

    @property
    def clears(self) -> bool:
        """Whether this tells the browser to drop the cookie at once."""
        return self.value == "" and (self.attributes.get("max-age") == "0"
                                     or "1970" in str(self.attributes.get("expires", "")))


def set_cookies(response: TestResponse) -> dict[str, SetCookie]:
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = (part.strip() for part in header.split(";"))
        name, _, value = first.partition("=")
        parsed: dict[str, str | bool] = {}
        for attribute in attributes:
            key, equals, attr_value = attribute.partition("=")
            parsed[key.lower()] = attr_value if equals else True
        assert name not in found, f"two Set-Cookie headers for {name}"
        found[name] = SetCookie(name, value, parsed)
    return found


def cookie_name(app: Flask) -> str:
    return app.config["AUTHSERVER_REFRESH_COOKIE_NAME"]


@dataclass
class Frontend:
    http: FlaskClient
    client: Registered
    origin: str
    cookie_name: str
    #: the refresh cookie the browser holds now (None: none, or cleared)
    cookie: str | None = None
    #: every refresh token this tab was ever given: none may appear in a body
    given: set[str] = field(default_factory=set)
    #: the access token of the last successful login or refresh, kept in memory only
    access_token: str | None = None

    def login(self, username: str = "alice@example.com", password: str = PASSWORD,
              scope: str = "openid profile email", **headers: str) -> TestResponse:
        """The password grant from the frontend's origin, as its fetch() sends it."""
        response = self.http.post("/token", data={
            "grant_type": "password", "client_id": self.client.client_id,
            "username": username, "password": password, "scope": scope},
            headers={"Origin": self.origin, **headers})
        return self.received(response)

    def call(self, method: str, path: str = "/refresh", *, cookie: str | None = CURRENT,
             origin: str | None = CURRENT, requested_with: str | None = "fetch"
             ) -> TestResponse:
        """A request to /refresh the way the frontend's fetch() makes it, or with one part
        changed: another cookie, another or no Origin, no X-Requested-With."""
        cookie = self.cookie if cookie is CURRENT else cookie
        origin = self.origin if origin is CURRENT else origin
        headers = {}
        if cookie is not None:
            headers["Cookie"] = f"{self.cookie_name}={cookie}"
        if origin is not None:
            headers["Origin"] = origin
        if requested_with is not None:
            headers["X-Requested-With"] = requested_with
        return self.received(self.http.open(path, method=method, headers=headers), cookie)

    def refresh(self, **changes: str | None) -> TestResponse:
        return self.call("POST", **changes)

    def sign_out(self, everywhere: bool = False, **changes: str | None) -> TestResponse:
        return self.call("DELETE", "/refresh?everywhere=1" if everywhere else "/refresh",
                         **changes)

    def received(self, response: TestResponse, sent: str | None = None) -> TestResponse:
        cookie = set_cookies(response).get(self.cookie_name)
        if cookie is not None:
            self.cookie = cookie.value or None
            if cookie.value:
                self.given.add(cookie.value)
        self.assert_no_refresh_token_in_body(response, sent)
        if response.status_code == 200:
            self.access_token = response.get_json()["access_token"]
        return response

    def assert_no_refresh_token_in_body(self, response: TestResponse, sent: str | None) -> None:
        text = response.get_data(as_text=True)
        if response.mimetype == "application/json" and text:
            body = json.loads(text)
            assert "refresh_token" not in body, body
        for token in self.given | ({sent} if sent else set()):
            assert token not in text, "a refresh token leaked into a response body"

    def new_tab(self) -> Frontend:
        """Another tab of the same browser: it shares the cookie."""
        return Frontend(self.http, self.client, self.origin, self.cookie_name, self.cookie,
                        self.given)

    def new_browser(self) -> Frontend:
        """Another device: no cookie yet."""
        return Frontend(self.http, self.client, self.origin, self.cookie_name)


def assert_cleared(response: TestResponse, name: str) -> SetCookie:
    """The answer drops the cookie, on the path it was set for (else it would stay)."""
    cookie = set_cookies(response).get(name)
    assert cookie is not None and cookie.clears, response.headers.getlist("Set-Cookie")
    assert cookie.attributes.get("path") == "/refresh", cookie
    return cookie
