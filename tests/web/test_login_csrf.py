"""CSRF on the login form (AZ-13): a POST that did not come from the form this browser was
given is refused with 403 and creates no session, whatever the password."""

from __future__ import annotations

import json
import logging

import pytest

from tests.conftest import PASSWORD, backends
from tests.support.browser_login import get_page, submit, submit_login
from tests.support.pending import live_sessions, request_state, start_request

EMAIL = "alice@example.com"
CREDENTIALS = {"email": EMAIL, "password": PASSWORD}


def refused(app, http, answer) -> None:
    assert answer.status == 403, answer.text
    assert "expired" in answer.text and 'role="alert"' in answer.text
    assert http.get_cookie("session_id") is None and live_sessions(app) == 0


@backends
def test_a_cross_site_post_without_a_token_is_refused(app, http, alice):
    """What an attacker's auto-submitting form sends: the fields, no token, no cookie."""
    answer = http.post("/login", data=CREDENTIALS)
    assert answer.status_code == 403
    assert http.get_cookie("session_id") is None and live_sessions(app) == 0


def test_a_wrong_token_is_refused(app, http, alice):
    page = get_page(http, "", "/login")
    refused(app, http, submit(http, "", page, {**CREDENTIALS, "csrf_token": "x" * 43}))


def test_a_token_without_its_cookie_is_refused(app, http, alice):
    """The attacker fetches a form (and its token) in their own browser; the victim's browser
    does not hold the cookie that token is bound to."""
    attacker = app.test_client()
    token = get_page(attacker, "", "/login").form().fields["csrf_token"]
    get_page(http, "", "/login")  # the victim has a CSRF cookie of its own
    answer = http.post("/login", data={**CREDENTIALS, "csrf_token": token})
    assert answer.status_code == 403 and live_sessions(app) == 0


def test_a_token_for_one_request_does_not_work_for_another(app, http, alice, spa):
    mine, other = start_request(app, spa.client_id), start_request(app, spa.client_id)
    token = get_page(http, "", f"/login?request={mine}").form().fields["csrf_token"]
    get_page(http, "", f"/login?request={other}")
    answer = http.post(f"/login?request={other}", data={**CREDENTIALS, "csrf_token": token})
    assert answer.status_code == 403
    assert request_state(app, other)["user"] is None and live_sessions(app) == 0


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "http://127.0.0.1:8001"},  # same host, another port: another origin
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
])
def test_a_post_from_another_origin_is_refused_even_with_a_token(app, http, alice, headers):
    refused(app, http, submit_login(http, "", EMAIL, PASSWORD, headers=headers))


@pytest.mark.parametrize("headers", [
    {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"},
    # what a browser sends from a page whose Referrer-Policy is no-referrer (ours)
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
])
def test_the_browsers_own_form_post_is_accepted(http, alice, headers):
    assert submit_login(http, "", EMAIL, PASSWORD, headers=headers).status == 303


def test_the_csrf_cookie_is_httponly_lax_and_host_wide(http):
    cookie = get_page(http, "", "/login").headers.getlist("Set-Cookie")
    (line,) = [c for c in cookie if c.startswith("csrf=")]
    assert "HttpOnly" in line and "SameSite=Lax" in line and "Path=/" in line
    assert "Domain" not in line


def test_a_refused_post_gives_a_form_that_works(app, http, alice):
    """The user who met an expired form can sign in from the page they were shown."""
    http.post("/login", data=CREDENTIALS)
    page = get_page(http, "", "/login")
    assert submit(http, "", page, CREDENTIALS).status == 303


def test_a_refused_post_is_an_audit_line(http, alice, caplog):
    with caplog.at_level(logging.INFO, logger="authserver.audit"):
        http.post("/login", data=CREDENTIALS)
        submit_login(http, "", EMAIL, PASSWORD, headers={"Origin": "https://evil.example"})
    lines = [json.loads(r.getMessage()) for r in caplog.records
             if '"event":"form.rejected"' in r.getMessage()]
    assert [(line["form"], line["reason"]) for line in lines] == [
        ("login", "no_cookie"), ("login", "cross_origin")]
    assert all(PASSWORD not in r.getMessage() for r in caplog.records)
