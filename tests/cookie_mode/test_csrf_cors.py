"""CSRF defence of /refresh that does not rest on SameSite alone (an allowed Origin and
X-Requested-With), and CORS: an explicit origin allowlist, never `*` with credentials (HD-04)."""

from __future__ import annotations

import pytest

from tests.rfc6749.checks import assert_token_headers
from tests.rfc7009.helpers import register, stored_refresh_token

from .frontend import ORIGIN, Frontend, set_cookies

OTHER_ORIGIN = "https://other.example"
BAD_ORIGINS = [None, "null", "https://evil.example", "http://app.example",
               "https://app.example:8443", "https://app.example.evil.example",
               "https://APP.example", OTHER_ORIGIN]
CREDENTIALED = "Access-Control-Allow-Credentials"
ALLOW_ORIGIN = "Access-Control-Allow-Origin"


@pytest.fixture
def other_app(app):
    """Another first-party web app with its own origin: allowed for its cookies only."""
    return register(app, "other web app", first_party=True, refresh_cookie=True,
                    cors_origins=[OTHER_ORIGIN])


def assert_refused(response, status: int = 403) -> None:
    """Refused before anything happens: an RFC error, and the cookie left where it is."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert_token_headers(response)
    assert response.get_json()["error"] == "invalid_request"
    assert set_cookies(response) == {}


def assert_untouched(app, tab: Frontend, cookie: str) -> None:
    stored = stored_refresh_token(app, cookie)
    assert stored.rotated_at is None and stored.family_revoked_at is None
    tab.cookie = cookie


@pytest.mark.parametrize("origin", BAD_ORIGINS)
def test_refresh_from_another_origin_is_refused_and_rotates_nothing(app, tab, signed_in,
                                                                    other_app, origin):
    cookie = tab.cookie
    assert_refused(tab.refresh(origin=origin))
    assert_untouched(app, tab, cookie)
    assert tab.refresh().status_code == 200  # the genuine frontend carries on


@pytest.mark.parametrize("requested_with", [None, ""])
def test_refresh_without_x_requested_with_is_refused(app, tab, signed_in, requested_with):
    """A cross-site <form> cannot add a header; without it, nothing rotates."""
    cookie = tab.cookie
    assert_refused(tab.refresh(requested_with=requested_with))
    assert_untouched(app, tab, cookie)


@pytest.mark.parametrize("origin", BAD_ORIGINS)
def test_sign_out_from_another_origin_is_refused(app, tab, signed_in, other_app, origin):
    cookie = tab.cookie
    assert_refused(tab.sign_out(origin=origin))
    assert_refused(tab.sign_out(everywhere=True, origin=origin))
    assert_untouched(app, tab, cookie)


def test_sign_out_without_x_requested_with_is_refused(app, tab, signed_in):
    cookie = tab.cookie
    assert_refused(tab.sign_out(requested_with=None))
    assert_refused(tab.sign_out(everywhere=True, requested_with=None))
    assert_untouched(app, tab, cookie)


def preflight(http, path: str, origin: str, method: str = "POST"):
    return http.options(path, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "x-requested-with, content-type"})


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize("path", ["/refresh", "/token"])
def test_preflight_allows_the_registered_origin_with_credentials(http, web_app, path, method):
    response = preflight(http, path, ORIGIN, method)
    assert response.status_code in (200, 204)
    assert response.headers[ALLOW_ORIGIN] == ORIGIN
    assert response.headers[CREDENTIALED] == "true"
    assert method in response.headers["Access-Control-Allow-Methods"].replace(" ", "").split(",")
    allowed = response.headers["Access-Control-Allow-Headers"].lower().replace(" ", "").split(",")
    assert "x-requested-with" in allowed
    assert "Origin" in response.headers.get("Vary", "")


def test_responses_to_the_registered_origin_allow_credentials(tab, web_app):
    """Successes and failures alike, or the frontend could not read a 401 and sign in again."""
    responses = [tab.login(), tab.refresh(), tab.sign_out(), tab.refresh(),
                 tab.refresh(requested_with=None), tab.login(password="wrong password")]
    assert [r.status_code for r in responses] == [200, 200, 204, 401, 403, 400]
    for response in responses:
        assert response.headers[ALLOW_ORIGIN] == ORIGIN, response.headers
        assert response.headers[CREDENTIALED] == "true"
        assert "Origin" in response.headers.get("Vary", "")


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://app.example"])
def test_unlisted_origins_get_no_cors_headers(http, tab, web_app, origin):
    evil = Frontend(http, web_app, origin, tab.cookie_name)
    for response in (preflight(http, "/refresh", origin), preflight(http, "/token", origin),
                     evil.login(), evil.refresh(cookie="x")):
        assert ALLOW_ORIGIN not in response.headers, response.headers
        assert CREDENTIALED not in response.headers


@pytest.mark.parametrize("path", ["/jwks", "/.well-known/openid-configuration",
                                  "/.well-known/oauth-authorization-server"])
@pytest.mark.parametrize("origin", [ORIGIN, "https://anyone.example"])
def test_public_documents_allow_any_origin_without_credentials(http, web_app, path, origin):
    response = http.get(path, headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers[ALLOW_ORIGIN] == "*"
    assert CREDENTIALED not in response.headers


@pytest.mark.parametrize("path", ["/introspect", "/account", "/healthz"])
def test_endpoints_not_meant_for_browsers_of_other_origins_get_no_cors(http, web_app, path):
    response = http.open(path, method="POST" if path == "/introspect" else "GET",
                         headers={"Origin": ORIGIN})
    assert ALLOW_ORIGIN not in response.headers, response.headers


def test_never_a_wildcard_with_credentials(http, tab, web_app):
    """HD-04 across every path and origin this suite speaks to."""
    paths = ["/token", "/refresh", "/revoke", "/userinfo", "/introspect", "/jwks",
             "/.well-known/openid-configuration", "/account"]
    for path in paths:
        for origin in (ORIGIN, "https://evil.example", "null"):
            for response in (preflight(http, path, origin),
                             http.post(path, headers={"Origin": origin})):
                if CREDENTIALED in response.headers:
                    assert response.headers[ALLOW_ORIGIN] == origin == ORIGIN, (path, origin)
