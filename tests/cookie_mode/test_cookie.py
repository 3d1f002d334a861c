"""The refresh cookie itself: set instead of the body, its attributes, its name, its life."""

from __future__ import annotations

import pytest

from authserver.config import ConfigError, load_config
from tests.rfc6749.checks import assert_token_headers
from tests.rfc7009.helpers import stored_refresh_token, userinfo

from .frontend import DAY, Frontend, SetCookie, set_cookies


def login_cookie(tab: Frontend) -> SetCookie:
    response = tab.login()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_token_headers(response)
    return set_cookies(response)[tab.cookie_name]


def assert_refresh_cookie(cookie: SetCookie, secure: bool) -> None:
    """HttpOnly (no script reads it), SameSite=Strict, sent to /refresh only, host-only."""
    assert cookie.attributes.get("httponly") is True, cookie
    assert cookie.attributes.get("samesite") == "Strict", cookie
    assert cookie.attributes.get("path") == "/refresh", cookie
    assert "domain" not in cookie.attributes, cookie
    assert ("secure" in cookie.attributes) is secure, cookie


def test_password_grant_puts_the_refresh_token_in_the_cookie_not_the_body(app, http, tab):
    """Point 1: the body has the access token only; the cookie is the family's refresh token."""
    response = tab.login()
    body = response.get_json()
    assert {"access_token", "token_type", "expires_in"} <= body.keys()
    assert "refresh_token" not in body and tab.cookie not in response.get_data(as_text=True)
    stored = stored_refresh_token(app, tab.cookie)
    assert stored is not None and stored.client_id == tab.client.client_id
    assert userinfo(http, body["access_token"]).status_code == 200


def test_cookie_attributes_on_a_loopback_development_issuer(app, tab):
    """The one documented exception: http://127.0.0.1 in development gets no Secure flag
    (a browser would drop a Secure cookie there) and so no __Secure- prefix."""
    assert app.config["AUTHSERVER_ISSUER"] == "http://127.0.0.1:8000"
    cookie = login_cookie(tab)
    assert cookie.name == "refresh_token"
    assert_refresh_cookie(cookie, secure=False)


def test_max_age_is_the_idle_life_at_login(app, tab):
    """RF-06: a fresh login's refresh token lives 30 days idle; the cookie lives as long."""
    cookie = login_cookie(tab)
    assert cookie.attributes["max-age"] == str(30 * DAY)
    stored = stored_refresh_token(app, cookie.value)
    assert stored.expires_at - stored.issued_at == 30 * DAY


def test_max_age_follows_the_familys_absolute_end(app, tab, frozen_clock):
    """RF-06: once the login's 90-day absolute life is nearer than 30 idle days, the cookie
    ends with it, not later."""
    login_cookie(tab)
    for _ in range(3):
        frozen_clock.offset += 25 * DAY
        response = tab.refresh()
        assert response.status_code == 200, response.get_data(as_text=True)
        cookie = set_cookies(response)[tab.cookie_name]
        stored = stored_refresh_token(app, cookie.value)
        assert int(cookie.attributes["max-age"]) == stored.expires_at - stored.issued_at
    assert stored.expires_at == stored.family_expires_at
    assert abs(int(cookie.attributes["max-age"]) - 15 * DAY) <= 2  # 90 - 75 days


@pytest.fixture
def settings(settings: dict, request: pytest.FixtureRequest) -> dict:
    """The shared settings, changed by an indirect parameter before the app is built."""
    settings.update(getattr(request, "param", {}))
    return settings


@pytest.mark.parametrize("settings", [{"AUTHSERVER_REFRESH_TOKEN_ABSOLUTE_TTL": 20 * DAY}],
                         indirect=True)
def test_max_age_at_login_is_the_absolute_life_when_shorter(tab):
    assert login_cookie(tab).attributes["max-age"] == str(20 * DAY)


@pytest.mark.parametrize(("settings", "name", "secure"), [
    ({"AUTHSERVER_ISSUER": "https://auth.example"}, "__Secure-refresh_token", True),
    ({"AUTHSERVER_ENV": "production", "AUTHSERVER_ISSUER": "http://127.0.0.1:8000"},
     "__Secure-refresh_token", True),  # production never drops Secure, loopback or not
    ({"AUTHSERVER_REFRESH_COOKIE_NAME": "shop_session"}, "shop_session", False),
], indirect=["settings"], ids=["https-issuer", "production-on-loopback", "configured-name"])
def test_name_and_secure_flag_follow_the_settings(tab, name, secure):
    cookie = login_cookie(tab)
    assert cookie.name == name
    assert_refresh_cookie(cookie, secure=secure)
    response = tab.refresh()  # /refresh reads the cookie by that name, and no other
    assert response.status_code == 200 and set(set_cookies(response)) == {name}
    if name != "refresh_token":
        default_named = tab.http.post("/refresh", headers={
            "Cookie": f"refresh_token={tab.cookie}", "Origin": tab.origin,
            "X-Requested-With": "fetch"})
        assert default_named.status_code == 401


@pytest.mark.parametrize("name", ["__Host-refresh_token", "__Host-x"])
def test_a_host_prefixed_name_is_refused(settings, name):
    """__Host- forces Path=/, which would send the refresh token with every request."""
    with pytest.raises(ConfigError, match="__Host-"):
        load_config({**settings, "AUTHSERVER_REFRESH_COOKIE_NAME": name}, environ={})
    with pytest.raises(ConfigError, match="__Host-"):
        load_config(settings, environ={"AUTHSERVER_REFRESH_COOKIE_NAME": name})


def test_a_secure_prefixed_name_needs_a_secure_cookie(settings):
    """Browsers ignore a __Secure- cookie without Secure: refused on a loopback dev issuer."""
    with pytest.raises(ConfigError, match="__Secure-"):
        load_config({**settings, "AUTHSERVER_REFRESH_COOKIE_NAME": "__Secure-rt"}, environ={})
