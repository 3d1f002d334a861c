"""Issue 3 in a real Chromium: a relying party sends the browser to /authorize; the user
signs in on our page (a wrong password first), allows the app on the consent page, and the
browser lands on the app's callback (a loopback server in this test) with code, state and
iss; the app exchanges the code at /token and verifies the id_token against /jwks. Then
single sign-on (the next sign-in asks nothing), the pages at 320 px in dark mode, an
accessibility audit of each page, and the login page refusing to render in a frame.
Screenshots go to tests/browser/artifacts/<test name>/.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests
from flask import Flask

from authserver.clients import ensure_account_client
from authserver.extensions import db
from tests.browser.accessibility import audit, focus_order
from tests.conftest import PASSWORD, Registered, backends
from tests.e2e.conftest import LiveServer, free_port, start_server, stop_server
from tests.support.authorize import register

EMAIL = "alice@example.com"
TIMEOUT_MS = 10_000
SCOPE = "openid profile email offline_access"


@dataclass
class RelyingParty:
    """The app's side: a loopback web server that records what reaches its callback, and
    serves a page that tries to frame our login page."""

    base: str
    framed: str = ""
    callbacks: list[dict[str, str]] = field(default_factory=list)

    @property
    def callback(self) -> str:
        return f"{self.base}/callback"

    @property
    def signed_out(self) -> str:
        return f"{self.base}/signed-out"


@pytest.fixture
def relying_party() -> Iterator[RelyingParty]:
    party = RelyingParty(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/callback":
                party.callbacks.append({k: v[0] for k, v in parse_qs(parts.query).items()})
                body = "<!doctype html><title>Photo Prints</title><h1>Welcome back</h1>"
            else:
                body = f'<!doctype html><title>framing</title><iframe src="{party.framed}">'
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    party.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield party
    server.shutdown()
    server.server_close()


@pytest.fixture
def photos(app: Flask, relying_party: RelyingParty) -> Registered:
    return register(app, "Photo Prints", redirect_uris=(relying_party.callback,),
                    post_logout_redirect_uris=(relying_party.signed_out,))


@pytest.fixture
def live(app: Flask, settings: dict, alice: str, photos: Registered, tmp_path: Path
         ) -> Iterator[LiveServer]:
    """The server, with the account page's client as `authserver init` leaves it."""
    port = free_port()
    with app.app_context():
        ensure_account_client(f"http://127.0.0.1:{port}", app.config["AUTHSERVER_SCOPES"].split())
        db.session.commit()
    server = start_server(settings, tmp_path / "server.log", workers=2, port=port)
    yield server
    stop_server(server)


@dataclass
class SignIn:
    """One authorization request as the app makes it (PKCE S256, state, nonce)."""

    server: LiveServer
    client: Registered
    redirect_uri: str
    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def url(self) -> str:
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(self.verifier.encode()).digest()).rstrip(b"=").decode()
        return f"{self.server.url}/authorize?" + urlencode({
            "response_type": "code", "client_id": self.client.client_id,
            "redirect_uri": self.redirect_uri, "scope": SCOPE, "state": self.state,
            "nonce": self.nonce, "code_challenge": challenge,
            "code_challenge_method": "S256"})

    def exchange(self, code: str) -> dict:
        response = requests.post(f"{self.server.url}/token", data={
            "grant_type": "authorization_code", "code": code,
            "redirect_uri": self.redirect_uri, "code_verifier": self.verifier},
            auth=(self.client.client_id, self.client.secret), timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def verify_id_token(self, id_token: str) -> dict:
        key = jwt.PyJWKClient(f"{self.server.url}/jwks").get_signing_key_from_jwt(id_token)
        claims = jwt.decode(id_token, key.key, algorithms=["RS256"],
                            audience=self.client.client_id, issuer=self.server.url)
        assert claims["nonce"] == self.nonce
        return claims


class Console:
    """Errors the pages log: a CSP violation (an inline style or script, a form target)
    would show here. A page answered 400 (the wrong password) logs "Failed to load
    resource", which is expected."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(message.text)


def assert_accessible(page) -> None:
    assert audit(page) == []


@backends
def test_sign_in_with_login_and_consent_in_chromium(browser, live, photos, relying_party,
                                                    screenshot):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    console = Console(page)
    sign_in = SignIn(live, photos, relying_party.callback)
    try:
        # /authorize sends the browser to the sign-in page
        page.goto(sign_in.url)
        assert urlsplit(page.url).path == "/login"
        expect(page).to_have_title("Sign in · authserver")
        expect(page.locator("h1")).to_have_text("Sign in")
        expect(page.locator(".lead")).to_have_text("to continue to Photo Prints")
        assert_accessible(page)
        screenshot(page, "login")
        order = focus_order(page, steps=2)  # autofocus on the email, then Tab, Tab
        assert [(f["tag"], f["id"] or f["text"]) for f in order] == [
            ("input", "email"), ("input", "password"), ("button", "Sign in")]
        assert all(f["outline"] for f in order[1:]), order  # keyboard focus is drawn

        # a wrong password: the one generic error, announced, tied to the fields
        page.get_by_label("Email address").fill(EMAIL)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        alert = page.get_by_role("alert")
        expect(alert).to_have_text("Incorrect email or password.")
        expect(page.locator("#password")).to_have_attribute("aria-describedby", "form-error")
        expect(page.locator("#email")).to_have_value(EMAIL)
        assert_accessible(page)
        assert not [c for c in context.cookies() if c["name"] == "session_id"]
        screenshot(page, "login-error")

        # the right password: a session, then the consent page
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/consent?request=*")
        (session,) = [c for c in context.cookies() if c["name"] == "session_id"]
        assert session["httpOnly"] and session["sameSite"] == "Lax" and session["path"] == "/"
        expect(page.locator("h1")).to_contain_text("Photo Prints wants to access your")
        expect(page.locator(".scopes li")).to_have_text([
            "Sign you in and know who you are", "See your name", "See your email address",
            "Stay signed in, even when you are not using it"])
        assert_accessible(page)
        screenshot(page, "consent")

        # Allow: the browser leaves for the app's callback with code, state and iss
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(f"{relying_party.callback}?*")
        (answer,) = relying_party.callbacks
        assert set(answer) == {"code", "state", "iss"}
        assert answer["state"] == sign_in.state and answer["iss"] == live.url
        tokens = sign_in.exchange(answer["code"])
        assert {"access_token", "id_token", "refresh_token"} <= set(tokens)
        claims = sign_in.verify_id_token(tokens["id_token"])
        assert claims["email"] == EMAIL and "auth_time" in claims

        # single sign-on: the next sign-in of the app asks nothing
        again = SignIn(live, photos, relying_party.callback)
        page.goto(again.url)
        page.wait_for_url(f"{relying_party.callback}?*")
        assert relying_party.callbacks[-1]["state"] == again.state
        assert again.verify_id_token(again.exchange(relying_party.callbacks[-1]["code"])[
            "id_token"])["auth_time"] == claims["auth_time"]
        assert console.errors == []

        # the account page lists the app under Connected apps; removing it ends its tokens
        page.goto(f"{live.url}/account")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.click("#signin-button")
        expect(page.locator("#apps > li")).to_have_count(1)
        expect(page.locator("#apps > li strong")).to_have_text("Photo Prints")
        expect(page.locator("#apps > li li")).to_have_text([
            "Sign you in and know who you are", "See your name", "See your email address",
            "Stay signed in, even when you are not using it"])
        screenshot(page, "connected-apps")
        page.get_by_role("button", name="Remove access for Photo Prints").click()
        expect(page.locator("#apps-empty")).to_be_visible()
        expect(page.locator("#apps > li")).to_have_count(0)
        refreshed = requests.post(f"{live.url}/token", data={
            "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            auth=(photos.client_id, photos.secret), timeout=10)
        assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    finally:
        context.close()


def test_the_pages_fit_a_small_phone_in_dark_mode(browser, live, screenshot):
    context = browser.new_context(viewport={"width": 320, "height": 640},
                                  color_scheme="dark")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    console = Console(page)
    try:
        page.goto(f"{live.url}/login")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        red, green, blue = (int(v) for v in background[4:-1].split(",")[:3])
        assert red + green + blue < 3 * 64, background  # the dark palette
        box = page.locator("button.primary").bounding_box()
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 320
        assert_accessible(page)
        screenshot(page, "login-320px-dark")
        assert console.errors == []
    finally:
        context.close()


def test_the_login_page_does_not_render_in_a_frame(browser, live, relying_party):
    """AZ-15: another site's page frames our login page; Chromium refuses to show it."""
    relying_party.framed = f"{live.url}/login"
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{relying_party.base}/framing")
        page.wait_for_load_state("load")
        (frame,) = [f for f in page.frames if f != page.main_frame]
        assert frame.query_selector("#password") is None
        assert not frame.url.startswith(live.url)
    finally:
        context.close()


def test_signing_out_from_the_app_returns_to_it(browser, live, photos, relying_party,
                                               screenshot):
    """RP-initiated logout without an id_token_hint: our confirmation page, then back to the
    app's registered post_logout_redirect_uri with its state, the session ended. (The page
    must name that URI in form-action: Chromium blocks the redirect after the POST
    otherwise.)"""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    console = Console(page)
    try:
        page.goto(f"{live.url}/login")
        page.get_by_label("Email address").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        assert [c for c in context.cookies() if c["name"] == "session_id"]
        page.goto(f"{live.url}/logout?" + urlencode({
            "client_id": photos.client_id, "state": "bye",
            "post_logout_redirect_uri": relying_party.signed_out}))
        expect(page.locator("h1")).to_have_text("Sign out?")
        assert_accessible(page)
        screenshot(page, "sign-out")
        page.get_by_role("button", name="Sign out").click()
        try:
            page.wait_for_url(f"{relying_party.signed_out}?state=bye")
        except PlaywrightTimeout:
            raise AssertionError(f"stopped at {page.url}: {console.errors}") from None
        assert not [c for c in context.cookies() if c["name"] == "session_id"]
    finally:
        context.close()
