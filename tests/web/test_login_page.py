"""Issue 3 point 4, the sign-in page: the form, the one generic error, a new session only
after the right password (AZ-13), 303 after the POST (AZ-16), and the handoff with
/authorize through `?request=`."""

from __future__ import annotations

import re

import pytest

from authserver.passwords import RETRY_AFTER, PasswordHashBusy
from authserver.web import login as login_view
from tests.conftest import PASSWORD, backends
from tests.support.browser_login import get_page, login, submit_login
from tests.support.pending import (
    disable_user,
    live_sessions,
    request_state,
    session_is_live,
    start_request,
)

EMAIL = "alice@example.com"
SESSION = "session_id"  # the name on a loopback http issuer in development


def set_cookies(response) -> dict[str, str]:
    """Set-Cookie headers by cookie name."""
    return {line.split("=", 1)[0]: line for line in response.headers.getlist("Set-Cookie")}


def test_the_form_is_labelled_and_fillable_by_password_managers(http):
    html = get_page(http, "", "/login").text
    assert '<html lang="en">' in html
    for field, autocomplete in (("email", "username"), ("password", "current-password")):
        assert f'<label for="{field}">' in html
        tag = re.search(rf'<input id="{field}"[^>]*>', html).group(0)
        assert f'name="{field}"' in tag and f'autocomplete="{autocomplete}"' in tag
        assert "required" in tag
    assert 'type="password"' in html and 'name="csrf_token"' in html
    assert "<script" not in html and "style=" not in html  # CSP: no inline anything


@backends
def test_signing_in_starts_a_session_and_sees_the_account_page(app, http, alice):
    answer = submit_login(http, "", EMAIL, PASSWORD)
    assert answer.status == 303 and answer.headers["Location"] == "/account"
    cookie = set_cookies(answer)[SESSION]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie and "Secure" not in cookie  # loopback http in development
    assert session_is_live(app, http.get_cookie(SESSION).value)
    assert answer.headers["Cache-Control"] == "no-store"


def test_every_redirect_after_the_form_is_a_303(http, alice, app, spa):
    """Never 307/308, which would make the browser re-POST the password (AZ-16)."""
    handle = start_request(app, spa.client_id)
    assert submit_login(http, "", EMAIL, PASSWORD, next_path="/account?tab=2").status == 303
    assert submit_login(http, "", EMAIL, PASSWORD, request_handle=handle).status == 303


@pytest.mark.parametrize("case", ["wrong password", "unknown account", "disabled account",
                                  "too long", "empty password"])
def test_every_failure_shows_one_generic_error_and_creates_no_session(app, http, alice,
                                                                      make_user, case):
    make_user("off@example.com")
    disable_user(app, "off@example.com")
    email, password = {
        "wrong password": (EMAIL, "not the password"),
        "unknown account": ("nobody@example.com", PASSWORD),
        "disabled account": ("off@example.com", PASSWORD),
        "too long": (EMAIL, "x" * 1025),
        "empty password": (EMAIL, ""),
    }[case]
    answer = submit_login(http, "", email, password)
    assert answer.status == 400
    assert SESSION not in set_cookies(answer) and http.get_cookie(SESSION) is None
    assert live_sessions(app) == 0
    alert = re.search(r'<div class="alert" id="form-error" role="alert">.*?<p>(.*?)</p>',
                      answer.text).group(1)
    expected = login_view.MISSING if case == "empty password" else login_view.WRONG
    assert alert == expected
    assert 'aria-invalid="true" aria-describedby="form-error"' in answer.text


@backends
@pytest.mark.parametrize(("email", "password"), [
    ("a\x00b@example.com", PASSWORD), ("alice@example.com\u202e", PASSWORD),
    (EMAIL, "pass\x00word"), ("alice@\nexample.com", PASSWORD)])
def test_control_characters_are_a_wrong_credential_not_a_crash(app, http, alice, email,
                                                               password):
    answer = submit_login(http, "", email, password)
    assert answer.status == 400 and login_view.WRONG in answer.text
    assert live_sessions(app) == 0


def test_unknown_account_and_wrong_password_answer_identically(app, http, alice):
    """BF-02: same status, body and cookies; only the echoed email differs."""
    wrong = submit_login(http, "", EMAIL, "not the password")
    unknown = submit_login(http, "", "bob@example.com", "not the password")
    assert wrong.status == unknown.status == 400
    assert wrong.text == unknown.text.replace("bob@example.com", EMAIL)
    assert set_cookies(wrong) == set_cookies(unknown) == {}


def test_the_email_stays_filled_in_after_a_failure_and_is_escaped(http, alice):
    answer = submit_login(http, "", '"><script>x</script>@example.com', "nope")
    assert "<script>x</script>" not in answer.text
    assert 'value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;@example.com"' in answer.text


def test_a_busy_credential_check_answers_503_with_the_form_and_no_session(app, http, alice,
                                                                         monkeypatch):
    """Every hashing slot taken inside check_credentials (passwords.PasswordHashBusy)
    answers 503 as a page, not the JSON error of /token."""
    def busy(*args, **kwargs):
        raise PasswordHashBusy()
    monkeypatch.setattr(login_view, "check_credentials", busy)
    answer = submit_login(http, "", EMAIL, PASSWORD)
    assert answer.status == 503 and answer.headers["Retry-After"] == str(RETRY_AFTER)
    assert login_view.BUSY in answer.text and 'role="alert"' in answer.text
    assert live_sessions(app) == 0


# -- session id rotation (AZ-13) ----------------------------------------------------------

@backends
def test_a_planted_session_cookie_is_replaced_and_ended_by_logging_in(app, http, alice,
                                                                      make_user):
    """The attacker logs in, plants their session id in the victim's browser; when the
    victim logs in, the server issues a new id and the planted one is dead."""
    make_user("mallory@example.com")
    attacker = app.test_client()
    login(attacker, "", "mallory@example.com", PASSWORD)
    planted = attacker.get_cookie(SESSION).value
    http.set_cookie(SESSION, planted)

    login(http, "", EMAIL, PASSWORD)
    fresh = http.get_cookie(SESSION).value
    assert fresh != planted
    assert not session_is_live(app, planted) and session_is_live(app, fresh)
    assert live_sessions(app) == 1


def test_logging_in_again_rotates_the_session_id(app, http, alice):
    login(http, "", EMAIL, PASSWORD)
    first = http.get_cookie(SESSION).value
    login(http, "", EMAIL, PASSWORD)
    assert http.get_cookie(SESSION).value != first and not session_is_live(app, first)


# -- the handoff with /authorize ----------------------------------------------------------

@backends
def test_login_for_an_authorization_request_records_the_user_and_resumes(app, http, alice,
                                                                         spa, frozen_clock):
    handle = start_request(app, spa.client_id, login_hint=EMAIL)
    page = get_page(http, "", f"/login?request={handle}")
    assert "to continue to <strong>spa</strong>" in page.text
    assert f'value="{EMAIL}"' in page.text  # login_hint prefills the email
    assert 'id="password" name="password" type="password" autocomplete="current-password" ' \
           'required autofocus' in page.text

    location = login(http, "", EMAIL, PASSWORD, request_handle=handle)
    assert location == f"/authorize/resume?request={handle}"
    assert request_state(app, handle) == {"user": EMAIL, "auth_time": frozen_clock.now(),
                                          "consent": None}


@pytest.mark.parametrize("handle", ["unknown", "", "x" * 500])
def test_an_unknown_or_expired_request_gets_an_error_page_not_a_form(http, alice, handle):
    page = get_page(http, "", f"/login?request={handle}")
    assert page.status == 400 and "expired" in page.text and 'name="password"' not in page.text
    assert http.post(f"/login?request={handle}",
                     data={"email": EMAIL, "password": PASSWORD}).status_code == 400
    assert http.get_cookie(SESSION) is None


def test_an_expired_request_is_refused_even_with_the_right_password(app, http, alice, spa,
                                                                   frozen_clock):
    handle = start_request(app, spa.client_id)
    page = get_page(http, "", f"/login?request={handle}")
    frozen_clock.offset += 601
    answer = http.post(f"/login?request={handle}", data={
        **page.form().fields, "email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 400 and http.get_cookie(SESSION) is None


def test_prompt_login_asks_for_the_password_even_with_a_live_session(app, http, alice, spa):
    login(http, "", EMAIL, PASSWORD)
    handle = start_request(app, spa.client_id, prompt="login", max_age=0)
    page = get_page(http, "", f"/login?request={handle}")
    assert page.status == 200 and 'name="password"' in page.text
    assert request_state(app, handle)["user"] is None  # nothing recorded without a password


# -- security headers on the page (HD-02, AZ-15) --------------------------------------------

def test_the_page_cannot_be_framed_cached_or_leak_its_url(http):
    headers = get_page(http, "", "/login").headers
    csp = [part.strip() for part in headers["Content-Security-Policy"].split(";")]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert "form-action 'self'" in csp and "script-src 'self'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers  # http loopback issuer: never pin it
    from_elsewhere = http.get("/login", headers={"Origin": "https://app.example"}).headers
    assert not any(name.startswith("Access-Control-") for name, _ in from_elsewhere.items())


def test_the_stylesheet_and_mark_are_served_locally(http):
    html = get_page(http, "", "/login").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(asset.startswith("/static/pages/") for asset in assets), assets
    for asset in assets:
        assert http.get(asset).status_code == 200, asset
