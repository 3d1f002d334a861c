"""Signing out from the sign-in page: its note posts to /logout (the end_session_endpoint)
with a token bound to the session, so one click ends the session and nothing else can."""

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
    answer = http.post("/logout", data={"csrf_token": "forged"})
    assert "You are signed out" not in answer.get_data(as_text=True)
    assert session_is_live(app, handle)
