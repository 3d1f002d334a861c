"""The sign-in page under the same abuse protections as the password grant: its attempts
count in the same per-account bucket, and limits and a full hashing bound are answered with
a page (429 / 503), never a JSON error or a session."""

from __future__ import annotations

import pytest

from authserver import passwords
from tests.conftest import PASSWORD
from tests.support.browser_login import get_page, login_path, submit, submit_login

BASE = "http://127.0.0.1:8000"
SESSION_COOKIES = ("session_id", "__Host-session")


def assert_page(answer, status: int) -> None:
    assert answer.status == status, answer.text[:300]
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert not any(name in answer.headers.get("Set-Cookie", "") for name in SESSION_COOKIES)


@pytest.mark.settings(AUTHSERVER_RATE_LIMIT_PER_ACCOUNT="2/minute")
def test_form_and_password_grant_share_the_per_account_limit(storage, http, tokens, spa, alice,
                                                             hashes):
    assert tokens.login(spa, password="wrong one!").json["error"] == "invalid_grant"
    assert submit_login(http, BASE, "alice@example.com", "wrong two!").status == 400
    throttled = submit_login(http, BASE, "Alice@Example.com", PASSWORD)  # even the right one
    assert_page(throttled, 429)
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert "Too many sign-in attempts" in throttled.text
    assert hashes == ["wrong one!", "wrong two!"]  # checked before any hash
    assert tokens.login(spa).json["error"] == "rate_limited"  # the grant sees the same bucket


@pytest.mark.settings(AUTHSERVER_RATE_LIMIT_PER_IP="2/minute")
def test_the_sign_in_page_is_limited_per_ip(http):
    assert get_page(http, BASE, login_path()).status == 200
    assert get_page(http, BASE, login_path()).status == 200
    assert_page(get_page(http, BASE, login_path()), 429)


@pytest.mark.settings(AUTHSERVER_PASSWORD_HASH_CONCURRENCY=1, AUTHSERVER_PASSWORD_HASH_WAIT=0)
def test_a_full_hashing_bound_gives_a_busy_page(http, alice):
    page = get_page(http, BASE, login_path())
    with passwords.hashing_slot():  # another request is hashing
        busy = submit(http, BASE, page, {"email": "alice@example.com", "password": PASSWORD})
    assert_page(busy, 503)
    assert busy.headers["Retry-After"] == str(passwords.RETRY_AFTER)
    assert "Too many sign-in attempts" in busy.text

