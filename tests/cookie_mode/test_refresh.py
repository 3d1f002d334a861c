"""POST /refresh: the cookie's refresh token rotated with the refresh_token grant's rules
(rotation, grace window, reuse detection); every failure is 401 and clears the cookie."""

from __future__ import annotations

import secrets

import pytest

from authserver.extensions import db
from tests.conftest import backends
from tests.rfc6749.checks import assert_oauth_error, assert_token_headers
from tests.rfc7009.helpers import (
    assert_access_denied,
    revoke,
    stored_refresh_token,
    userinfo,
)

from .frontend import DAY, Frontend, assert_cleared, set_cookies


def assert_signed_out(tab: Frontend, response) -> None:
    """Point 2: 401, an RFC error body, and the cookie cleared: time to sign in again."""
    assert_oauth_error(response, 401, "invalid_grant")
    assert_cleared(response, tab.cookie_name)
    assert tab.cookie is None


@backends
def test_refresh_rotates_the_cookie_and_answers_an_access_token(app, http, tab, signed_in):
    old = tab.cookie
    response = tab.refresh()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_token_headers(response)  # no-store, Pragma, JSON
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["access_token"] != signed_in["access_token"]
    assert tab.cookie and tab.cookie != old
    assert stored_refresh_token(app, old).rotated_at is not None  # spent
    new = stored_refresh_token(app, tab.cookie)
    assert new.rotated_at is None and new.family_id == stored_refresh_token(app, old).family_id
    assert userinfo(http, body["access_token"]).status_code == 200
    assert tab.refresh().status_code == 200  # and the new cookie rotates in turn


@backends
def test_replay_inside_the_grace_window_gets_the_same_successor(app, tab, signed_in,
                                                                frozen_clock):
    old = tab.cookie
    first = tab.refresh()
    frozen_clock.offset += 9
    retry = tab.refresh(cookie=old)
    assert retry.status_code == 200, retry.get_data(as_text=True)
    assert set_cookies(retry)[tab.cookie_name].value == set_cookies(first)[tab.cookie_name].value
    assert tab.refresh().status_code == 200


@backends
def test_replay_after_the_grace_window_revokes_the_family(app, http, tab, signed_in,
                                                          frozen_clock):
    """RF-02 through the cookie: the spent cookie, the newest one and every access token of
    the login stop working."""
    old = tab.cookie
    rotated = tab.refresh().get_json()
    newest = tab.cookie
    frozen_clock.offset += 11
    assert_signed_out(tab, tab.refresh(cookie=old))
    assert stored_refresh_token(app, newest).family_revoked_at is not None
    assert_signed_out(tab, tab.refresh(cookie=newest))
    for access_token in (signed_in["access_token"], rotated["access_token"]):
        assert_access_denied(http, access_token)


class TestStrictRotation:
    @pytest.fixture
    def settings(self, settings):
        settings["AUTHSERVER_REFRESH_GRACE_SECONDS"] = 0
        return settings

    def test_any_replay_is_reuse(self, tab, signed_in):
        old = tab.cookie
        tab.refresh()
        newest = tab.cookie
        assert_signed_out(tab, tab.refresh(cookie=old))
        assert_signed_out(tab, tab.refresh(cookie=newest))


@pytest.mark.parametrize("cookie", [
    None, "", "garbage", secrets.token_urlsafe(32), "x" * 5000, "a.b.c", '"quoted"',
], ids=["missing", "empty", "word", "random-256-bit", "5000-chars", "jwt-shaped", "quoted"])
def test_missing_or_unknown_cookie_is_401_and_cleared(tab, signed_in, cookie):
    assert_signed_out(tab, tab.refresh(cookie=cookie))


def test_an_access_token_is_no_refresh_cookie(tab, signed_in):
    assert_signed_out(tab, tab.refresh(cookie=signed_in["access_token"]))


def test_expired_cookie_is_401_and_cleared(tab, signed_in, frozen_clock):
    """RF-06: 30 idle days later the browser may still send it; the server says no."""
    frozen_clock.offset += 30 * DAY + 1
    assert_signed_out(tab, tab.refresh())


@backends
def test_revoked_cookie_is_401_and_cleared(http, tab, signed_in):
    """The frontend itself revoked it at /revoke (a public client: client_id alone)."""
    revoked = tab.cookie
    assert revoke(http, tab.client, revoked).status_code == 200
    assert_signed_out(tab, tab.refresh(cookie=revoked))


@backends
def test_cookie_of_a_disabled_user_is_401_and_cleared(app, tab, signed_in):
    """RF-07."""
    from authserver.extensions import db
    from authserver.users import find_user, set_disabled

    with app.app_context():
        set_disabled(find_user("alice@example.com"), True)
        db.session.commit()
    assert_signed_out(tab, tab.refresh())


def test_a_body_mode_clients_refresh_token_is_no_cookie(tokens, tab, spa, signed_in):
    """Only refresh-cookie clients' tokens are read from the cookie; the other token is left
    alone and still works where it belongs."""
    body_token = tokens.login(spa).get_json()["refresh_token"]
    assert_signed_out(tab, tab.refresh(cookie=body_token))
    assert tokens.refresh(spa, body_token).status_code == 200


@backends
@pytest.mark.parametrize("transaction", ["driver"], indirect=True)
def test_a_cached_client_rotates_the_cookie_without_the_session(
        app, tab, signed_in, transaction, monkeypatch, session_begins):
    """With the client's record in memory, POST /refresh runs in a driver transaction of its
    own (models/hot_path.py): the session never opens a connection."""

    def no_session(*_args, **_kwargs):
        raise AssertionError("the session was used beside the driver transaction")

    monkeypatch.setattr(db.session, "connection", no_session)
    old = tab.cookie
    session_begins.clear()
    response = tab.refresh()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert session_begins == []
    monkeypatch.undo()
    assert stored_refresh_token(app, old).rotated_at is not None
    assert stored_refresh_token(app, tab.cookie).rotated_at is None
