"""The sign-in page behind an https issuer (production-like): `__Host-` cookies, Secure,
and HSTS on every page (AZ-13, HD-02)."""

from __future__ import annotations

import re

import pytest

from authserver import create_app
from authserver.extensions import db
from authserver.users import create_user
from tests.conftest import PASSWORD
from tests.support.browser_login import get_page, login, submit_login

ISSUER = "https://auth.example.com"


@pytest.fixture
def settings(settings: dict) -> dict:
    return {**settings, "AUTHSERVER_ISSUER": ISSUER}


def test_the_session_cookie_is_host_only_secure_httponly_and_lax(http, alice):
    answer = submit_login(http, ISSUER, "alice@example.com", PASSWORD)
    assert answer.status == 303
    (cookie,) = [line for line in answer.headers.getlist("Set-Cookie")
                 if line.startswith("__Host-session=")]
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie.split("; "), cookie
    assert "Domain=" not in cookie  # __Host-: bound to this host, no subdomain can set it


def test_the_csrf_cookie_is_a_host_cookie_too(http):
    (cookie,) = [line for line in get_page(http, ISSUER, "/login").headers.getlist("Set-Cookie")
                 if line.startswith("__Host-csrf=")]
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= set(cookie.split("; "))


def test_the_pages_pin_https(http, alice):
    hsts = get_page(http, ISSUER, "/login").headers["Strict-Transport-Security"]
    match = re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts)
    assert match and int(match.group(1)) >= 31_536_000


def test_the_browser_s_own_origin_is_the_issuer_s(http, alice):
    assert login(http, ISSUER, "alice@example.com", PASSWORD) == "/account"
    answer = submit_login(http, ISSUER, "alice@example.com", PASSWORD,
                          headers={"Origin": "http://auth.example.com"})  # not https
    assert answer.status == 403


def test_every_page_pins_https_the_account_page_too(http):
    assert http.get("/account", base_url=ISSUER).headers["Strict-Transport-Security"]


def test_production_on_a_loopback_issuer_still_marks_the_cookies_secure(settings):
    """Only development on a loopback http issuer drops Secure (and the __Host- prefix)."""
    app = create_app({**settings, "AUTHSERVER_ISSUER": "http://127.0.0.1:8000",
                      "AUTHSERVER_ENV": "production"})
    with app.app_context():
        db.create_all()
        create_user("alice@example.com", PASSWORD, None, 1024)
        db.session.commit()
    answer = submit_login(app.test_client(), "", "alice@example.com", PASSWORD)
    assert answer.status == 303
    (cookie,) = answer.headers.getlist("Set-Cookie")
    assert cookie.startswith("__Host-session=") and "Secure" in cookie.split("; ")
    with app.app_context():
        db.engine.dispose()
