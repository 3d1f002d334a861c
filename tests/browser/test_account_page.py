"""The /account page in a real Chromium: the first-party SPA in refresh-cookie mode.

One scenario, with 3-second access tokens: sign in (the access token lives in a JavaScript
variable only, the refresh token in an HttpOnly cookie); silent refresh after expiry
(401 -> POST /refresh -> 200, no new sign-in); two tabs refreshing at the same moment (the
grace window: nobody is signed out); a session revoked from another device (that browser
returns to the sign-in form); sign-out. Screenshots of every step go to
tests/browser/artifacts/<test name>/.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.conftest import PASSWORD, backends
from tests.e2e.conftest import LiveServer

EMAIL = "alice@example.com"
COOKIE = "refresh_token"  # the cookie's name on a loopback http issuer in development
SESSION_ENDED = "Your session has ended. Please sign in again."
SIGNED_OUT = "You have signed out."
TIMEOUT_MS = 10_000
NETWORK_LATENCY_MS = 300
CLICK_RELOAD = "document.getElementById('reload').click()"
#: the last call of loading the account: profile, sessions, then connected apps
LAST_CALL = "/account/consents"


@dataclass
class Call:
    """One fetch() of the page, as the browser's network log saw it."""

    method: str
    path: str
    status: int
    response: object  # playwright Response

    def __repr__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def wait_past_expiry(*tokens: str) -> None:
    """The server's clock has whole seconds and a token is expired once exp <= now."""
    time.sleep(max(0.0, max(claims(t)["exp"] for t in tokens) - time.time()) + 0.05)


def api_response(method: str, path: str):
    def matches(response) -> bool:
        return (response.request.method == method
                and urlsplit(response.url).path == path)
    return matches


class Tab:
    """One tab of the account page, with its own log of the page's API calls."""

    def __init__(self, context, server: LiveServer) -> None:
        self.context, self.server = context, server
        self.page = context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.calls: list[Call] = []
        self.errors: list[str] = []
        self.page.on("response", self._record)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("console", self._console)

    def _record(self, response) -> None:
        if response.request.resource_type == "fetch":
            self.calls.append(Call(response.request.method, urlsplit(response.url).path,
                                   response.status, response))

    def _console(self, message) -> None:
        # a failed fetch logs "Failed to load resource" (expected: every 401); anything
        # else, such as a Content-Security-Policy violation, is a bug of the page
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(f"console: {message.text}")

    def mark(self) -> int:
        return len(self.calls)

    def since(self, mark: int) -> list[str]:
        return [repr(call) for call in self.calls[mark:]]

    def call(self, mark: int, index: int) -> Call:
        return self.calls[mark:][index]

    def open(self, signed_in: bool) -> None:
        """Load /account; it tries POST /refresh with whatever cookie the browser has."""
        done = (api_response("GET", LAST_CALL) if signed_in
                else api_response("POST", "/refresh"))
        with self.page.expect_response(done):
            self.page.goto(f"{self.server.url}/account")
        self.expect_shown("account" if signed_in else "signin")

    def sign_in(self) -> None:
        self.page.fill("#email", EMAIL)
        self.page.fill("#password", PASSWORD)
        with self.page.expect_response(api_response("GET", LAST_CALL)):
            self.page.click("#signin-button")
        self.expect_shown("account")
        self.expect("#profile-email").to_have_text(EMAIL)

    def reload_button(self, then: tuple[str, str]) -> None:
        """Click Reload and wait for the page's last call, `then` = (method, path)."""
        with self.page.expect_response(api_response(*then)):
            self.page.click("#reload")

    def reload_into_ended_session(self) -> int:
        """Reload after the session was revoked elsewhere: the access token is refused, the
        refresh too, and the page falls back to sign-in holding nothing. Returns the mark."""
        mark = self.mark()
        self.reload_button(then=("POST", "/refresh"))
        self.expect_shown("signin", SESSION_ENDED)
        self.expect_forgotten()
        assert self.since(mark) == ["GET /userinfo 401", "POST /refresh 401"]
        return mark

    def expect(self, selector: str):
        from playwright.sync_api import expect

        return expect(self.page.locator(selector))

    def expect_shown(self, section: str, message: str | None = None) -> None:
        other = "signin" if section == "account" else "account"
        self.expect(f"#{section}").to_be_visible()
        self.expect(f"#{other}").to_be_hidden()
        if message is None:
            self.expect("#message").to_be_hidden()
        else:
            self.expect("#message").to_have_text(message)

    def expect_forgotten(self) -> None:
        """Signed out: the page holds neither the token nor the user's data, even hidden."""
        assert self.access_token() is None
        for field in ("#profile-name", "#profile-email", "#profile-sub"):
            self.expect(field).to_have_text("")
        self.expect("#sessions tr").to_have_count(0)

    def access_token(self) -> str:
        """The page's in-memory access token: a `let` of its script, nothing else holds it."""
        return self.page.evaluate("accessToken")

    def refresh(self) -> bool:
        """Call the page's own refresh(), as its fetch wrapper does on a 401."""
        return self.page.evaluate("refresh()")

    def storage(self) -> dict[str, str]:
        return self.page.evaluate("""() => ({
            localStorage: JSON.stringify(Object.entries(localStorage)),
            sessionStorage: JSON.stringify(Object.entries(sessionStorage)),
            cookie: document.cookie,
        })""")


@contextmanager
def slow_network(*tabs: Tab, latency_ms: int) -> Iterator[None]:
    """Chromium's network emulation (DevTools protocol): every response of these tabs
    arrives latency_ms late, Set-Cookie included."""
    sessions = [tab.context.new_cdp_session(tab.page) for tab in tabs]
    conditions = {"offline": False, "downloadThroughput": -1, "uploadThroughput": -1}
    for session in sessions:
        session.send("Network.enable")
        session.send("Network.emulateNetworkConditions", {**conditions, "latency": latency_ms})
    try:
        yield
    finally:
        for session in sessions:
            session.send("Network.emulateNetworkConditions", {**conditions, "latency": 0})
            session.detach()


@contextmanager
def held_together(context, url: str, count: int) -> Iterator[None]:
    """Hold the requests to `url` until `count` of them were made, then send them all."""
    held: list = []

    def hold(route) -> None:
        held.append(route)
        if len(held) == count:
            for each in held:
                each.continue_()

    context.route(url, hold)
    try:
        yield
    finally:
        context.unroute(url, hold)
    assert len(held) == count


def refresh_cookie(context) -> dict | None:
    found = [c for c in context.cookies() if c["name"] == COOKIE]
    assert len(found) <= 1, found
    return found[0] if found else None


@backends
def test_account_page_sign_in_refresh_tabs_revoke_sign_out(browser, account_server,
                                                           screenshot):
    started = time.monotonic()
    server = account_server
    laptop = browser.new_context()
    phone = browser.new_context(user_agent="Mozilla/5.0 (Phone) authserver-browser-test")
    tabs: list[Tab] = []
    try:
        # (a) Sign in through the form.
        first = Tab(laptop, server)
        tabs.append(first)
        first.open(signed_in=False)
        assert first.since(0) == ["POST /refresh 401"]  # no cookie yet: the sign-in form
        screenshot(first.page, "sign-in-form")
        mark = first.mark()
        first.sign_in()
        assert first.since(mark) == ["POST /token 200", "GET /userinfo 200",
                                     "GET /account/sessions 200",
                                   "GET /account/consents 200"]
        token_body = first.call(mark, 0).response.json()
        assert "refresh_token" not in token_body  # cookie mode: never in a JSON body
        access = first.access_token()
        assert access == token_body["access_token"]
        assert claims(access)["exp"] - claims(access)["iat"] == 3
        first.expect("#profile-name").to_have_text("Alice")
        first.expect("#sessions tr").to_have_count(1)
        screenshot(first.page, "signed-in")

        # The access token is in no storage JavaScript keeps, and the refresh token is an
        # HttpOnly cookie JavaScript cannot read.
        cookie = refresh_cookie(laptop)
        assert cookie is not None
        assert cookie["httpOnly"] is True
        assert cookie["path"] == "/refresh"
        assert cookie["sameSite"] == "Strict"
        assert cookie["secure"] is False  # the documented exception: a loopback http issuer
        assert cookie["expires"] > time.time() + 3600
        for where, text in first.storage().items():
            assert access not in text, where
            assert cookie["value"] not in text, where
            assert COOKIE not in text, where
        # Even a document under /refresh, where the cookie's path matches, cannot read it.
        peek = laptop.new_page()
        peek.goto(f"{server.url}/refresh")  # 405 for GET; the document is what matters
        assert COOKIE not in peek.evaluate("document.cookie")
        peek.close()

        # (b) Past the access token's expiry, Reload refreshes silently and retries.
        wait_past_expiry(access)
        mark = first.mark()
        first.reload_button(then=("GET", LAST_CALL))
        assert first.since(mark) == ["GET /userinfo 401", "POST /refresh 200",
                                     "GET /userinfo 200", "GET /account/sessions 200",
                                     "GET /account/consents 200"]
        expired = first.call(mark, 0).response.all_headers()["www-authenticate"]
        assert "access token expired" in expired
        assert "refresh_token" not in first.call(mark, 1).response.json()
        assert "POST /token" not in " ".join(first.since(0)[2:])  # no new sign-in
        first.expect_shown("account")
        first.expect("#profile-email").to_have_text(EMAIL)
        assert first.access_token() not in (None, access)
        new_cookie = refresh_cookie(laptop)
        assert new_cookie is not None and new_cookie["value"] != cookie["value"]  # rotated
        screenshot(first.page, "silent-refresh")

        # (c) A second tab; both tabs' tokens expire, both refresh at the same moment.
        second = Tab(laptop, server)
        tabs.append(second)
        second.open(signed_in=True)  # its own access token, from the shared cookie
        assert second.since(0) == ["POST /refresh 200", "GET /userinfo 200",
                                   "GET /account/sessions 200",
                                   "GET /account/consents 200"]
        wait_past_expiry(first.access_token(), second.access_token())
        marks = first.mark(), second.mark()
        # Both tabs present the same refresh token: each tab's POST /refresh is held until
        # the other's is sent too, and answers arrive late (300 ms, Chromium's network
        # emulation), so the first answer's Set-Cookie cannot reach the second request.
        log_mark = len(server.log())
        with slow_network(first, second, latency_ms=NETWORK_LATENCY_MS), \
                held_together(laptop, "**/refresh", count=2), \
                first.page.expect_response(api_response("GET", LAST_CALL)), \
                second.page.expect_response(api_response("GET", LAST_CALL)):
            first.page.evaluate(CLICK_RELOAD)
            second.page.evaluate(CLICK_RELOAD)
        for tab, tab_mark in zip((first, second), marks, strict=True):
            assert tab.since(tab_mark) == ["GET /userinfo 401", "POST /refresh 200",
                                           "GET /userinfo 200", "GET /account/sessions 200",
                                           "GET /account/consents 200"]
            tab.expect_shown("account")
        successors = [tab.call(tab_mark, 1).response.all_headers()["set-cookie"].split(";")[0]
                      for tab, tab_mark in zip((first, second), marks, strict=True)]
        # the successor derives from the token presented: the same one, so the same token
        assert successors[0].startswith(f"{COOKIE}=") and successors[0] == successors[1]
        events = server.log()[log_mark:]
        assert events.count('"event":"refresh.rotated"') == 1  # one tab rotated,
        assert events.count('"event":"refresh.retried"') == 1  # the other got the grace
        assert "reuse_detected" not in events
        # Nobody was signed out: the login lives on, and refreshes again.
        assert first.refresh() is True
        assert second.refresh() is True
        first.expect("#sessions tr").to_have_count(1)
        screenshot(first.page, "two-tabs-first")
        screenshot(second.page, "two-tabs-second")

        # (d) Another device signs in as the same user and ends the laptop's session.
        third = Tab(phone, server)
        tabs.append(third)
        third.open(signed_in=False)
        third.sign_in()
        third.expect("#sessions tr").to_have_count(2)
        third.expect("#sessions tr.current").to_have_count(1)
        laptop_row = third.page.locator("#sessions tr:not(.current)")
        screenshot(third.page, "other-device-two-sessions")
        # A fresh access token for the laptop: below, its 401 comes from the revocation.
        assert first.refresh() is True
        laptop_token = first.access_token()
        assert laptop_row.get_attribute("data-session-id") == claims(laptop_token)["grant_id"]
        mark = third.mark()
        with third.page.expect_response(api_response("GET", LAST_CALL)):
            laptop_row.locator("button.revoke").click()
        assert third.since(mark) == [
            f"DELETE /account/sessions/{claims(laptop_token)['grant_id']} 204",
            "GET /userinfo 200", "GET /account/sessions 200", "GET /account/consents 200"]
        third.expect("#sessions tr").to_have_count(1)
        screenshot(third.page, "other-device-revoked-laptop")

        mark = first.reload_into_ended_session()
        revoked = first.call(mark, 0).response.all_headers()["www-authenticate"]
        assert "access token revoked" in revoked  # unexpired, but its family is revoked
        assert refresh_cookie(laptop) is None  # the 401 from /refresh cleared it
        screenshot(first.page, "laptop-session-ended")
        second.reload_into_ended_session()
        screenshot(second.page, "laptop-second-tab-session-ended")

        # (e) Sign out on the other device: the cookie is cleared, a reload shows the form.
        mark = third.mark()
        with third.page.expect_response(api_response("DELETE", "/refresh")):
            third.page.click("#signout")
        third.expect_shown("signin", SIGNED_OUT)
        third.expect_forgotten()
        assert third.since(mark) == ["DELETE /refresh 204"]
        assert refresh_cookie(phone) is None
        screenshot(third.page, "signed-out")
        mark = third.mark()
        third.open(signed_in=False)
        assert third.since(mark) == ["POST /refresh 401"]
        assert "cookie" not in third.call(mark, 0).response.request.all_headers()
        screenshot(third.page, "signed-out-reloaded")

        assert [error for tab in tabs for error in tab.errors] == []
    finally:
        laptop.close()
        phone.close()
    print(f"browser scenario: {time.monotonic() - started:.1f} s")
