"""Signing out from the sign-in page (plain page flow; RP-initiated logout is /logout)."""

from __future__ import annotations

from tests.conftest import PASSWORD, backends
from tests.support.browser_login import get_page, login, submit
from tests.support.pending import session_is_live

EMAIL = "alice@example.com"


@backends
def test_signing_out_ends_the_session_and_removes_the_cookie(app, http, alice):
    login(http, "", EMAIL, PASSWORD)
    handle = http.get_cookie("session_id").value
    page = get_page(http, "", "/login")
    assert f"You are signed in as <strong>{EMAIL}</strong>" in page.text
    answer = submit(http, "", page, {})  # the first form: Sign out
    assert answer.status == 200 and "You are signed out" in answer.text
    assert 'role="status"' in answer.text
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert http.get_cookie("session_id") is None and not session_is_live(app, handle)
    assert "You are signed in" not in get_page(http, "", "/login").text


def test_a_cross_site_sign_out_changes_nothing(app, http, alice):
    login(http, "", EMAIL, PASSWORD)
    handle = http.get_cookie("session_id").value
    answer = http.post("/login/logout", data={"csrf_token": "forged"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    assert session_is_live(app, handle)


def test_signing_out_without_a_session_just_shows_the_sign_in_page(http):
    answer = http.post("/login/logout")
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
