"""grant_type=refresh_token: rotation, the grace window, reuse detection, scope and lifetimes."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from authserver.extensions import db
from authserver.models import RefreshToken, TokenFamily
from tests.conftest import backends

DAY = 86_400


def refresh_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(RefreshToken))


def userinfo(http, access_token: str):
    return http.get("/userinfo", headers={"Authorization": f"Bearer {access_token}"})


@pytest.fixture(autouse=True, params=["session", "driver"])
def transaction(request, settings) -> str:
    """Every test twice: the refresh in the session's transaction (a client read from the
    database first) and in a driver transaction of its own (a cached client: hot_path.py)."""
    settings["AUTHSERVER_CLIENT_CACHE_SECONDS"] = 0 if request.param == "session" else 60
    return request.param


@pytest.fixture
def login(tokens, spa, alice):
    response = tokens.login(spa, scope="openid profile email")
    assert response.status_code == 200, response.json
    return response.json


@backends
def test_refresh_rotates_and_keeps_the_original_scope(tokens, spa, login):
    """RF-01: a new access token and a new refresh token carrying the granted scope."""
    response = tokens.refresh(spa, login["refresh_token"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    body = response.json
    assert body["refresh_token"] != login["refresh_token"]
    assert body["access_token"] != login["access_token"]
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["scope"] == "openid profile email"


def test_refresh_tokens_are_256_bit_url_safe(login):
    """RF-08: 43 characters of the base64url alphabet, from 32 random bytes."""
    token = login["refresh_token"]
    assert len(token) == 43
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@backends
def test_retry_inside_grace_window_returns_the_same_successor(app, tokens, spa, login,
                                                             frozen_clock):
    first = tokens.refresh(spa, login["refresh_token"])
    frozen_clock.offset += 9
    retry = tokens.refresh(spa, login["refresh_token"])
    assert retry.status_code == 200
    assert retry.json["refresh_token"] == first.json["refresh_token"]
    assert refresh_rows(app) == 2  # the retry minted no new branch
    assert tokens.refresh(spa, retry.json["refresh_token"]).status_code == 200


@backends
def test_replay_after_grace_window_revokes_the_whole_family(app, http, tokens, spa, login,
                                                           frozen_clock, caplog):
    """RF-02: the successor and the family's access tokens die with the reused token."""
    successor = tokens.refresh(spa, login["refresh_token"]).json
    frozen_clock.offset += 11
    with caplog.at_level(logging.INFO, logger="authserver.audit"):
        replay = tokens.refresh(spa, login["refresh_token"])
    assert replay.status_code == 400 and replay.json["error"] == "invalid_grant"
    assert any('"event":"refresh.reuse_detected"' in r.getMessage() for r in caplog.records)
    assert tokens.refresh(spa, successor["refresh_token"]).json["error"] == "invalid_grant"
    for access_token in (login["access_token"], successor["access_token"]):
        response = userinfo(http, access_token)
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    with app.app_context():
        assert db.session.scalar(select(TokenFamily.revoked_at)) is not None
    assert refresh_rows(app) == 2  # rotated rows are kept so later reuse is still seen


@backends
def test_grace_retry_needs_the_immediate_predecessor(tokens, spa, login):
    """A -> B -> C: replaying A is reuse even inside the window, since B is spent."""
    b = tokens.refresh(spa, login["refresh_token"]).json["refresh_token"]
    c = tokens.refresh(spa, b).json["refresh_token"]
    assert tokens.refresh(spa, login["refresh_token"]).json["error"] == "invalid_grant"
    assert tokens.refresh(spa, c).json["error"] == "invalid_grant"


class TestStrictRotation:
    @pytest.fixture
    def settings(self, settings):
        settings["AUTHSERVER_REFRESH_GRACE_SECONDS"] = 0
        return settings

    @backends
    def test_any_replay_is_reuse(self, tokens, spa, login):
        successor = tokens.refresh(spa, login["refresh_token"]).json["refresh_token"]
        assert tokens.refresh(spa, login["refresh_token"]).json["error"] == "invalid_grant"
        assert tokens.refresh(spa, successor).json["error"] == "invalid_grant"


@backends
def test_another_clients_token_is_refused_and_left_alone(app, tokens, spa, make_client,
                                                         login):
    """RF-03: client B cannot use A's token, and A's token stays valid."""
    other = make_client("other spa", public=True, first_party=True)
    tokens.refresh(other, "not-a-token")  # B's record cached: in "driver", no session at all
    response = tokens.refresh(other, login["refresh_token"])
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"
    assert refresh_rows(app) == 1
    assert tokens.refresh(spa, login["refresh_token"]).status_code == 200


@backends
def test_scope_can_narrow_but_not_widen(tokens, spa, make_client, alice):
    """RF-04: wider -> invalid_scope; narrower -> narrowed access token, RT keeps the grant."""
    granted = tokens.login(spa, scope="openid email").json
    wider = tokens.refresh(spa, granted["refresh_token"], scope="openid email profile")
    assert wider.status_code == 400 and wider.json["error"] == "invalid_scope"
    narrower = tokens.refresh(spa, granted["refresh_token"], scope="openid")
    assert narrower.status_code == 200 and narrower.json["scope"] == "openid"
    again = tokens.refresh(spa, narrower.json["refresh_token"])
    assert again.json["scope"] == "openid email"


@backends
def test_idle_lifetime_slides_with_each_rotation(tokens, spa, login, frozen_clock):
    """RF-06: 30 days idle; every rotation starts a new idle period."""
    frozen_clock.offset += 20 * DAY
    refreshed = tokens.refresh(spa, login["refresh_token"]).json
    frozen_clock.offset += 20 * DAY  # 40 days after login, 20 after the last use
    assert tokens.refresh(spa, refreshed["refresh_token"]).status_code == 200


@backends
def test_idle_token_expires(app, tokens, spa, login, frozen_clock):
    frozen_clock.offset += 30 * DAY + 1
    response = tokens.refresh(spa, login["refresh_token"])
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"
    assert refresh_rows(app) == 1


@backends
def test_family_ends_at_its_absolute_lifetime(tokens, spa, login, frozen_clock):
    """RF-06: however often it is used, a login lasts 90 days by default."""
    token = login["refresh_token"]
    for _ in range(4):
        frozen_clock.offset += 25 * DAY
        response = tokens.refresh(spa, token)
        if frozen_clock.offset < 90 * DAY:
            assert response.status_code == 200
            token = response.json["refresh_token"]
    assert frozen_clock.offset == 100 * DAY
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"


@backends
def test_a_family_past_its_end_refuses_its_tokens(app, tokens, spa, login):
    """The family's end is checked by itself, not only through its tokens' expiry (which
    rotation keeps within it)."""
    with app.app_context():
        db.session.execute(db.update(TokenFamily).values(expires_at=TokenFamily.created_at))
        db.session.commit()
    response = tokens.refresh(spa, login["refresh_token"])
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"
    assert refresh_rows(app) == 1


@backends
def test_disabled_user_cannot_refresh(app, tokens, spa, login):
    from authserver.models import User
    from authserver.users import find_user, set_disabled

    with app.app_context():
        set_disabled(find_user("alice@example.com"), True)
        db.session.commit()
        assert db.session.scalar(select(User.disabled))
    response = tokens.refresh(spa, login["refresh_token"])
    assert response.status_code == 400 and response.json["error"] == "invalid_grant"
    assert refresh_rows(app) == 1


@backends
def test_disabled_user_is_refused_even_before_revocation(app, tokens, spa, login):
    """The user check does not rely on the family having been revoked."""
    from authserver.models import User

    with app.app_context():
        db.session.execute(db.update(User).values(disabled=True))
        db.session.commit()
    assert tokens.refresh(spa, login["refresh_token"]).json["error"] == "invalid_grant"
    assert refresh_rows(app) == 1


@backends
def test_unknown_and_missing_refresh_tokens(tokens, spa, alice):
    assert tokens.refresh(spa, "not-a-token").json["error"] == "invalid_grant"
    response = tokens.post({"grant_type": "refresh_token", "client_id": spa.client_id})
    assert response.status_code == 400 and response.json["error"] == "invalid_request"
