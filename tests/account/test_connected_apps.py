"""Issue 3 point 5, revoking a remembered consent: the account's "Connected apps" API lists
the apps a user let in (scopes in words) and removes one, which also ends what the app
holds for the user (its refresh and access tokens)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from authserver.clock import clock
from tests.conftest import backends
from tests.cookie_mode.frontend import Frontend
from tests.rfc6749.checks import assert_oauth_error, assert_token_headers
from tests.support.authorize import CodeFlow, register
from tests.support.pending import consented_scopes

CONSENT_MEMBERS = {"client_id", "client", "scopes", "granted_at"}


def bearer(access_token: str) -> dict:
    return {"Authorization": f"Bearer {access_token}"}


@pytest.fixture
def photos(app: Flask):
    return register(app, "Photo Prints")


@pytest.fixture
def photos_flow(app: Flask, photos) -> CodeFlow:
    """Alice's browser (it keeps cookies) signing in to Photo Prints."""
    return CodeFlow(app.test_client(), photos)


def connect(flow: CodeFlow, scope: str = "openid email offline_access") -> dict:
    """Sign in to the app through /authorize, the login and consent pages; its tokens."""
    response = flow.exchange(flow.sign_in(scope=scope)["code"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def connected_apps(http: FlaskClient, page: Frontend) -> list[dict]:
    response = http.get("/account/consents", headers=bearer(page.access_token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_token_headers(response)
    return response.get_json()["consents"]


def test_an_app_the_user_let_in_is_listed_with_its_scopes_in_words(http, page, photos,
                                                                  photos_flow):
    assert connected_apps(http, page) == []
    before = clock.now()
    connect(photos_flow)
    (listed,) = connected_apps(http, page)
    assert set(listed) == CONSENT_MEMBERS
    assert listed["client_id"] == photos.client_id and listed["client"] == "Photo Prints"
    assert before <= listed["granted_at"] <= clock.now()
    assert listed["scopes"] == [
        {"scope": "openid", "description": "Sign you in and know who you are"},
        {"scope": "email", "description": "See your email address"},
        {"scope": "offline_access",
         "description": "Stay signed in, even when you are not using it"}]


@backends
def test_removing_an_app_forgets_the_consent_and_ends_its_tokens(http, page, photos,
                                                                photos_flow):
    tokens = connect(photos_flow)
    response = http.delete(f"/account/consents/{photos.client_id}",
                           headers=bearer(page.access_token))
    assert response.status_code == 200 and response.get_json() == {"ended": 1}
    assert connected_apps(http, page) == []

    refreshed = http.post("/token", data={"grant_type": "refresh_token",
                                          "refresh_token": tokens["refresh_token"]},
                          auth=(photos.client_id, photos.secret))
    assert_oauth_error(refreshed, 400, "invalid_grant")
    assert http.get("/userinfo", headers=bearer(tokens["access_token"])).status_code == 401
    # the next sign-in asks again
    again = photos_flow.authorize(scope="openid email offline_access")
    assert again.headers["Location"].startswith("/consent?request=")


def test_the_account_s_own_session_survives_removing_an_app(http, page, photos, photos_flow):
    connect(photos_flow)
    http.delete(f"/account/consents/{photos.client_id}", headers=bearer(page.access_token))
    assert http.get("/userinfo", headers=bearer(page.access_token)).status_code == 200


def test_another_users_app_is_not_listed_and_cannot_be_removed(app, http, page, make_user,
                                                              photos, photos_flow):
    make_user("bob@example.com", name="Bob")
    connect(photos_flow)  # Alice's
    notes = register(app, "Bob's Notes")
    bobs = CodeFlow(app.test_client(), notes)
    bobs.exchange(bobs.sign_in(email="bob@example.com", scope="openid")["code"])

    assert [entry["client"] for entry in connected_apps(http, page)] == ["Photo Prints"]
    response = http.delete(f"/account/consents/{notes.client_id}",
                           headers=bearer(page.access_token))
    assert_oauth_error(response, 404, "not_found")
    assert consented_scopes(app, "bob@example.com", notes.client_id) == {"openid"}


@pytest.mark.parametrize("client_id", ["unknown", "%00", "x" * 300])
def test_an_app_that_is_not_connected_is_not_found(http, page, client_id):
    response = http.delete(f"/account/consents/{client_id}", headers=bearer(page.access_token))
    assert_oauth_error(response, 404, "not_found")


def test_an_app_s_own_token_may_not_manage_connected_apps(http, alice, photos, photos_flow):
    tokens = connect(photos_flow)
    for response in (http.get("/account/consents", headers=bearer(tokens["access_token"])),
                     http.delete(f"/account/consents/{photos.client_id}",
                                 headers=bearer(tokens["access_token"]))):
        assert_oauth_error(response, 403, "insufficient_scope")


def test_the_api_needs_an_access_token(http):
    assert http.get("/account/consents").status_code == 401
    assert http.delete("/account/consents/anything").status_code == 401
