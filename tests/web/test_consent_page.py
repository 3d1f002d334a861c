"""Issue 3 point 5, the consent page: the client and the scopes in words, allow or deny once,
bound to the one authorization request and the one login session (AZ-14)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, backends
from tests.support.browser_login import consent, get_page, login, submit
from tests.support.pending import answer_request, consented_scopes, request_state, start_request

EMAIL = "alice@example.com"


def scope_lines(html: str) -> list[str]:
    listed = re.search(r'<ul class="scopes"[^>]*>(.*?)</ul>', html, re.S).group(1)
    return [line.strip() for line in re.findall(r"<li>(.*?)</li>", listed, re.S)]


def test_the_page_names_the_client_and_says_what_each_scope_allows(app, signed_in, photos):
    handle = start_request(app, photos.client_id,
                           scope="orders:read email openid offline_access profile",
                           redirect_uri="https://photos.example/callback")
    page = get_page(signed_in, "", f"/consent?request={handle}")
    assert page.status == 200
    assert "<strong>Photo Prints</strong> wants to access your authserver account" in page.text
    assert f"Signed in as <strong>{EMAIL}</strong>" in page.text
    assert scope_lines(page.text) == [
        "Sign you in and know who you are", "See your name", "See your email address",
        "Stay signed in, even when you are not using it",
        "Use the “orders:read” permission"]  # an unknown scope is shown, by name, last
    assert "Your answer will send you back to <strong>photos.example</strong>" in page.text
    form = page.form("decision")
    assert form.buttons == {"decision": ["deny", "allow"]} and form.fields["csrf_token"]


def test_a_client_name_cannot_inject_markup(app, signed_in, make_client):
    evil = make_client('<img src=x onerror=alert(1)>')
    page = get_page(signed_in, "", f"/consent?request={start_request(app, evil.client_id)}")
    assert "<img src=x" not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text


def test_the_page_carries_the_html_security_headers(app, signed_in, photos):
    headers = get_page(signed_in, "",
                       f"/consent?request={start_request(app, photos.client_id)}").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_without_a_login_the_page_sends_the_browser_to_sign_in(app, http, alice, photos):
    handle = start_request(app, photos.client_id)
    page = get_page(http, "", f"/consent?request={handle}")
    assert page.status == 303 and page.headers["Location"] == f"/login?request={handle}"
    assert http.post(f"/consent?request={handle}",
                     data={"decision": "allow"}).status_code == 303
    assert request_state(app, handle)["consent"] is None


@backends
def test_allow_remembers_the_scopes_and_resumes_the_request(app, signed_in, photos):
    handle = start_request(app, photos.client_id, scope="openid email")
    assert consent(signed_in, "", handle, allow=True) == f"/authorize/resume?request={handle}"
    recorded = request_state(app, handle)
    assert recorded["user"] == EMAIL and recorded["consent"] == "granted"
    assert consented_scopes(app, EMAIL, photos.client_id) == {"openid", "email"}


@backends
def test_deny_records_the_refusal_and_remembers_nothing(app, signed_in, photos):
    handle = start_request(app, photos.client_id)
    assert consent(signed_in, "", handle, allow=False) == f"/authorize/resume?request={handle}"
    assert request_state(app, handle)["consent"] == "denied"
    assert consented_scopes(app, EMAIL, photos.client_id) is None


def test_a_new_grant_adds_to_what_was_granted_before(app, signed_in, photos):
    consent(signed_in, "", start_request(app, photos.client_id, scope="openid"))
    consent(signed_in, "", start_request(app, photos.client_id, scope="email"))
    assert consented_scopes(app, EMAIL, photos.client_id) == {"openid", "email"}


def test_an_answered_request_takes_no_second_answer(app, signed_in, photos):
    """Replaying the Allow form (or Deny after Allow) changes nothing."""
    handle = start_request(app, photos.client_id)
    page = get_page(signed_in, "", f"/consent?request={handle}")
    assert submit(signed_in, "", page, {"decision": "deny"}).status == 303
    replay = submit(signed_in, "", page, {"decision": "allow"})
    assert replay.status == 400 and "already answered" in replay.text
    assert request_state(app, handle)["consent"] == "denied"
    assert consented_scopes(app, EMAIL, photos.client_id) is None
    revisit = get_page(signed_in, "", f"/consent?request={handle}")
    assert revisit.status == 303 and revisit.headers["Location"].startswith("/authorize/resume")


def test_a_replay_after_the_client_was_answered_meets_an_expired_request(app, signed_in,
                                                                        photos):
    handle = start_request(app, photos.client_id)
    page = get_page(signed_in, "", f"/consent?request={handle}")
    submit(signed_in, "", page, {"decision": "allow"})
    answer_request(app, handle)
    replay = submit(signed_in, "", page, {"decision": "allow"})
    assert replay.status == 400 and "expired" in replay.text


def test_an_unknown_decision_is_refused(app, signed_in, photos):
    handle = start_request(app, photos.client_id)
    answer = submit(signed_in, "", get_page(signed_in, "", f"/consent?request={handle}"),
                    {"decision": "maybe"})
    assert answer.status == 400 and 'role="alert"' in answer.text
    assert request_state(app, handle)["consent"] is None


def test_a_request_someone_else_logged_in_for_asks_to_sign_in_again(app, signed_in, photos,
                                                                   make_user):
    """The request is bound to the user who signed in for it, not to whoever holds the
    browser now."""
    make_user("bob@example.com")
    handle = start_request(app, photos.client_id)
    other = app.test_client()
    login(other, "", "bob@example.com", PASSWORD, request_handle=handle)
    page = get_page(signed_in, "", f"/consent?request={handle}")
    assert page.status == 303 and page.headers["Location"] == f"/login?request={handle}"
    post = signed_in.post(f"/consent?request={handle}", data={"decision": "allow"})
    assert post.status_code == 303 and post.headers["Location"] == f"/login?request={handle}"
    recorded = request_state(app, handle)
    assert recorded["user"] == "bob@example.com" and recorded["consent"] is None


@pytest.mark.parametrize("handle", ["unknown", ""])
def test_an_unknown_request_gets_the_error_page(signed_in, handle):
    page = get_page(signed_in, "", f"/consent?request={handle}")
    assert page.status == 400 and "expired" in page.text and "decision" not in page.text
