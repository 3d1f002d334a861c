"""Point 7, the API behind the account page: the user's sessions (one per live token family),
ending one, ending all others; only first-party sign-ins may call it."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import backends
from tests.cookie_mode.frontend import DAY, Frontend
from tests.rfc6749.checks import assert_oauth_error, assert_token_headers
from tests.rfc7009.helpers import (
    assert_access_denied,
    password_login,
    refresh,
    revoke,
    stored_refresh_token,
    userinfo,
)
from tests.rfc7662.helpers import assert_inactive, introspect

SESSION_MEMBERS = {"id", "client", "created_at", "last_used_at", "user_agent", "current"}


def bearer(access_token: str) -> dict:
    return {"Authorization": f"Bearer {access_token}"}


def list_sessions(http: FlaskClient, access_token: str) -> list[dict]:
    response = http.get("/account/sessions", headers=bearer(access_token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_token_headers(response)
    return response.get_json()["sessions"]


def end_session(http: FlaskClient, access_token: str, family_id: str) -> TestResponse:
    return http.delete(f"/account/sessions/{family_id}", headers=bearer(access_token))


def family_of(app, refresh_token: str) -> str:
    return stored_refresh_token(app, refresh_token).family_id


@backends
def test_one_entry_per_live_login(app, http, page: Frontend, spa, make_user, frozen_clock):
    elsewhere = password_login(http, spa, **{"User-Agent": "curl/8.5"})
    ended = password_login(http, spa)
    revoke(http, spa, ended["refresh_token"])
    make_user("bob@example.com", name="Bob")
    password_login(http, spa, username="bob@example.com")
    frozen_clock.offset += 60
    assert refresh(http, spa, elsewhere["refresh_token"]).status_code == 200

    listed = list_sessions(http, page.access_token)
    assert len(listed) == 2, listed  # no revoked login, nobody else's
    for entry in listed:
        assert set(entry) == SESSION_MEMBERS, entry
    curl, firefox = listed  # the most recently used first
    assert curl["id"] == family_of(app, elsewhere["refresh_token"])
    assert (curl["client"], curl["user_agent"], curl["current"]) == ("spa", "curl/8.5", False)
    assert 60 <= curl["last_used_at"] - curl["created_at"] <= 62
    assert firefox["id"] == family_of(app, page.cookie)
    assert (firefox["client"], firefox["user_agent"], firefox["current"]) == (
        "Account", "Firefox/140 (account page)", True)
    assert firefox["last_used_at"] == firefox["created_at"]


def test_expired_logins_are_not_listed(http, page: Frontend, spa, frozen_clock):
    password_login(http, spa)
    frozen_clock.offset += 30 * DAY + 1  # idle past the refresh tokens' life
    assert page.login().status_code == 200
    listed = list_sessions(http, page.access_token)
    assert [(s["client"], s["current"]) for s in listed] == [("Account", True)]


def test_a_non_first_party_token_may_not_manage_the_account(app, http, tokens, machine, page):
    machine_token = tokens.client_credentials(machine).get_json()["access_token"]
    family = family_of(app, page.cookie)
    for response in (http.get("/account/sessions", headers=bearer(machine_token)),
                     end_session(http, machine_token, family),
                     http.delete("/account/sessions", headers=bearer(machine_token))):
        assert_oauth_error(response, 403, "insufficient_scope")
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert stored_refresh_token(app, page.cookie).family_revoked_at is None


def test_a_token_of_a_client_no_longer_first_party_is_refused(app, http, spa, page):
    from authserver.extensions import db
    from authserver.models import Client

    token = password_login(http, spa)["access_token"]
    with app.app_context():
        Client.find(spa.client_id).first_party = False
        db.session.commit()
    assert_oauth_error(http.get("/account/sessions", headers=bearer(token)), 403,
                       "insufficient_scope")


@pytest.mark.parametrize("headers", [{}, bearer("garbage")], ids=["none", "garbage"])
def test_the_api_needs_an_access_token(http, page, headers):
    response = http.get("/account/sessions", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@backends
def test_ending_one_session(app, http, page: Frontend, spa, resource_server):
    elsewhere = password_login(http, spa)
    response = end_session(http, page.access_token, family_of(app, elsewhere["refresh_token"]))
    assert response.status_code == 204
    assert_oauth_error(refresh(http, spa, elsewhere["refresh_token"]), 400, "invalid_grant")
    assert_access_denied(http, elsewhere["access_token"])
    assert_inactive(introspect(http, resource_server, elsewhere["access_token"]))
    assert [s["current"] for s in list_sessions(http, page.access_token)] == [True]
    assert page.refresh().status_code == 200  # the page's own session lives on


@backends
def test_another_users_session_is_not_found_and_left_alone(app, http, page: Frontend, spa,
                                                           make_user):
    make_user("bob@example.com", name="Bob")
    bobs = password_login(http, spa, username="bob@example.com")
    for family_id in (family_of(app, bobs["refresh_token"]), "no-such-session"):
        response = end_session(http, page.access_token, family_id)
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"
    assert stored_refresh_token(app, bobs["refresh_token"]).family_revoked_at is None
    assert userinfo(http, bobs["access_token"]).status_code == 200
    assert refresh(http, spa, bobs["refresh_token"]).status_code == 200


@backends
@pytest.mark.parametrize("family_id", ["%00", "a%00b", "x" * 5000, "%FF", "%C3%BC"],
                         ids=["nul", "inner-nul", "5000-chars", "not-utf8", "unicode"])
def test_odd_session_ids_are_not_found(http, page: Frontend, family_id):
    """Never a 500 (PostgreSQL text cannot hold a NUL)."""
    response = end_session(http, page.access_token, family_id)
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


@backends
def test_a_user_agent_with_a_nul_is_stored_without_it(http, page: Frontend, spa):
    password_login(http, spa, **{"User-Agent": "odd\x00agent"})
    agents = {s["user_agent"] for s in list_sessions(http, page.access_token)}
    assert agents == {"oddagent", "Firefox/140 (account page)"}


@backends
def test_ending_every_other_session(app, http, page: Frontend, spa, make_user):
    elsewhere = password_login(http, spa)
    other_device = page.new_browser()
    assert other_device.login().status_code == 200
    make_user("bob@example.com", name="Bob")
    bobs = password_login(http, spa, username="bob@example.com")

    response = http.delete("/account/sessions", headers=bearer(page.access_token))
    assert response.status_code == 200 and response.get_json() == {"ended": 2}
    assert_oauth_error(refresh(http, spa, elsewhere["refresh_token"]), 400, "invalid_grant")
    assert_access_denied(http, elsewhere["access_token"])
    assert_oauth_error(other_device.refresh(), 401, "invalid_grant")
    assert userinfo(http, page.access_token).status_code == 200  # the current one stays
    assert page.refresh().status_code == 200
    assert [s["current"] for s in list_sessions(http, page.access_token)] == [True]
    assert refresh(http, spa, bobs["refresh_token"]).status_code == 200
