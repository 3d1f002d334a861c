"""Per-account brute-force protection in check_credentials (BF-01..BF-04): a temporary,
growing lockout after N failures, one generic invalid_grant whatever the reason, shared by
every path that checks a password, and the same for unknown accounts."""

from __future__ import annotations

import time

import pytest

from tests.rfc6749.checks import answer, assert_oauth_error

from .conftest import event_names

FAST_LOCKOUT = {"AUTHSERVER_LOCKOUT_THRESHOLD": 3, "AUTHSERVER_LOCKOUT_WAIT_INCREMENT": 1,
                "AUTHSERVER_LOCKOUT_MAX_WAIT": 2}


def fail(tokens, spa, times: int, username: str = "alice@example.com") -> None:
    for attempt in range(times):
        response = tokens.login(spa, username=username, password=f"guess {attempt}")
        assert_oauth_error(response, 400, "invalid_grant")


@pytest.mark.settings(**FAST_LOCKOUT)
def test_lockout_answers_like_a_wrong_password_and_skips_the_hash_BF01_BF03(
        storage, tokens, spa, alice, hashes, audit_events):
    wrong_before = tokens.login(spa, password="not it")
    fail(tokens, spa, 2)
    hashes.clear()

    locked = tokens.login(spa)  # the right password, while locked

    assert answer(locked) == answer(wrong_before)  # same status, body and headers
    assert hashes == []
    events = audit_events()
    assert "login.locked" in event_names(events)
    lock = next(e for e in events if e["event"] == "login.locked")
    assert lock["failures"] == 3 and lock["seconds"] == 1 and lock["user"]
    assert "alice" not in str(lock)  # an account key, not the email
    assert events[-1]["event"] == "login.failed" and events[-1]["reason"] == "locked"


@pytest.mark.settings(**FAST_LOCKOUT)
def test_lockout_is_temporary_and_grows_to_a_cap_BF04(storage, tokens, spa, alice):
    fail(tokens, spa, 3)
    assert tokens.login(spa).status_code == 400
    time.sleep(1.1)
    fail(tokens, spa, 3)  # six failures: locked for 2 s (capped)
    time.sleep(1.1)
    assert tokens.login(spa).status_code == 400  # still locked
    time.sleep(1.0)

    assert tokens.login(spa).status_code == 200


@pytest.mark.settings(**FAST_LOCKOUT)
def test_a_successful_login_resets_the_count(tokens, spa, alice):
    fail(tokens, spa, 2)
    assert tokens.login(spa).status_code == 200
    fail(tokens, spa, 2)

    assert tokens.login(spa).status_code == 200


@pytest.mark.settings(**FAST_LOCKOUT)
def test_unknown_accounts_lock_the_same_way_BF02(tokens, spa, alice, hashes):
    """Nothing tells a real account from an unknown one, locked or not."""
    fail(tokens, spa, 3, username="nobody@example.com")
    fail(tokens, spa, 3)
    hashes.clear()
    unknown = tokens.login(spa, username="nobody@example.com")
    known = tokens.login(spa, password="still guessing")

    assert answer(unknown) == answer(known)
    assert hashes == []


@pytest.mark.settings(**FAST_LOCKOUT)
def test_the_lockout_follows_the_normalized_account_name(tokens, spa, alice):
    fail(tokens, spa, 3, username=" ALICE@Example.com")

    assert tokens.login(spa).status_code == 400


@pytest.mark.settings(**FAST_LOCKOUT)
def test_a_disabled_account_counts_and_locks_like_any_BF03(tokens, spa, alice, edit_user):
    edit_user("alice@example.com", disabled=True)
    fail(tokens, spa, 2)
    assert_oauth_error(tokens.login(spa), 400, "invalid_grant")  # right password, disabled
    edit_user("alice@example.com", disabled=False)

    assert tokens.login(spa).status_code == 400  # enabled again, but still locked


def test_defaults_are_keycloak_like(app):
    config = app.config
    assert (config["AUTHSERVER_LOCKOUT_THRESHOLD"], config["AUTHSERVER_LOCKOUT_WAIT_INCREMENT"],
            config["AUTHSERVER_LOCKOUT_MAX_WAIT"], config["AUTHSERVER_LOCKOUT_RESET_AFTER"]) \
        == (30, 60, 900, 43_200)
