"""DELETE /refresh: first-party sign-out, of this login or of every login of the user."""

from __future__ import annotations

from tests.conftest import backends
from tests.rfc6749.checks import assert_oauth_error
from tests.rfc7009.helpers import assert_access_denied, stored_refresh_token, userinfo
from tests.rfc7662.helpers import assert_active, assert_inactive, introspect

from .frontend import assert_cleared


@backends
def test_sign_out_revokes_the_cookies_family_and_clears_it(app, http, tab, signed_in,
                                                           resource_server):
    """Point 3 and point 6: the login's access tokens die with it while their JWTs are
    unexpired, at /userinfo and at /introspect."""
    rotated = tab.refresh().get_json()
    cookie = tab.cookie
    other_device = tab.new_browser()
    assert other_device.login().status_code == 200

    response = tab.sign_out()
    assert response.status_code == 204 and response.get_data() == b""
    assert_cleared(response, tab.cookie_name)
    assert stored_refresh_token(app, cookie).family_revoked_at is not None
    for access_token in (signed_in["access_token"], rotated["access_token"]):
        assert_access_denied(http, access_token)
        assert_inactive(introspect(http, resource_server, access_token))
    assert_oauth_error(tab.refresh(cookie=cookie), 401, "invalid_grant")
    assert other_device.refresh().status_code == 200  # another login of the user lives on


@backends
def test_sign_out_everywhere_revokes_every_login_of_the_user(app, http, tokens, tab, spa,
                                                             signed_in, make_user,
                                                             resource_server):
    elsewhere = tokens.login(spa, scope="openid").get_json()  # another client, body mode
    other_device = tab.new_browser()
    assert other_device.login().status_code == 200
    make_user("bob@example.com", name="Bob")
    bob = tab.new_browser()
    assert bob.login(username="bob@example.com").status_code == 200

    response = tab.sign_out(everywhere=True)
    assert response.status_code == 204
    assert_cleared(response, tab.cookie_name)
    assert tokens.refresh(spa, elsewhere["refresh_token"]).get_json()["error"] == "invalid_grant"
    for access_token in (signed_in["access_token"], elsewhere["access_token"]):
        assert_access_denied(http, access_token)
        assert_inactive(introspect(http, resource_server, access_token))
    assert_oauth_error(other_device.refresh(), 401, "invalid_grant")
    bobs = bob.refresh()  # another user is not touched
    assert bobs.status_code == 200
    assert_active(introspect(http, resource_server, bobs.get_json()["access_token"]))
    assert userinfo(http, bobs.get_json()["access_token"]).status_code == 200


def test_sign_out_without_a_cookie_has_nothing_to_end(tab):
    """Signing out twice is not an error: 204, and the cookie cleared again."""
    response = tab.sign_out(cookie=None)
    assert response.status_code == 204
    assert_cleared(response, tab.cookie_name)
