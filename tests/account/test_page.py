"""Point 7, the page: served with the HTML security headers (HD-02, AZ-15), and usable right
after `authserver init`, whose account client works in refresh-cookie mode."""

from __future__ import annotations

import re

from authserver.clients import ACCOUNT_CLIENT_ID
from tests.conftest import PASSWORD, Registered
from tests.cookie_mode.frontend import Frontend

ISSUER_ORIGIN = "http://127.0.0.1:8000"


def test_the_page_carries_the_html_security_headers(http):
    response = http.get("/account")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    headers = response.headers
    csp = [part.strip() for part in headers["Content-Security-Policy"].split(";")]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    # HSTS only when the issuer is https (issue 3 §10): tests/web/test_login_https.py
    assert "Strict-Transport-Security" not in headers


def test_the_page_loads_nothing_from_elsewhere(http):
    """No external assets: every script and stylesheet comes from this server."""
    html = http.get("/account").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(asset.startswith("/account/static/") for asset in assets), assets
    for asset in assets:
        assert http.get(asset).status_code == 200, asset


def test_the_account_client_exists_after_init_and_works_in_cookie_mode(after_init, initialized):
    initialized.ok("user", "create", "alice@example.com", "--password-stdin",
                   input=PASSWORD + "\n")
    page = Frontend(after_init, Registered(ACCOUNT_CLIENT_ID, None), ISSUER_ORIGIN,
                    "refresh_token")
    assert page.login().status_code == 200 and page.cookie
    listed = after_init.get("/account/sessions",
                            headers={"Authorization": f"Bearer {page.access_token}"})
    assert [(s["client"], s["current"]) for s in listed.get_json()["sessions"]] == [
        ("Account", True)]
    assert page.refresh().status_code == 200
    assert page.refresh(origin="https://app.example").status_code == 403  # its origin only
    assert page.sign_out().status_code == 204
