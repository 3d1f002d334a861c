"""The authorization endpoint (RFC 6749 §4.1.1-4.1.2, RFC 9207, RFC 9700 §4.11):
AZ-01..AZ-08, AZ-17, AZ-18, DS-04 and HD-04 for /authorize."""

from __future__ import annotations

import pytest

from authserver.clients import delete_client, find_client
from authserver.extensions import db
from authserver.models import AuthorizationCode, AuthorizationRequest
from tests.conftest import backends
from tests.support.authorize import CALLBACK, CodeFlow, query_of, register
from tests.support.browser_login import login

ISSUER = "http://127.0.0.1:8000"
LOOPBACK = "http://127.0.0.1:8765/cb"


@pytest.fixture
def rp(app):
    return register(app, redirect_uris=(CALLBACK, LOOPBACK))


@pytest.fixture
def flow(http, rp, alice) -> CodeFlow:
    return CodeFlow(http, rp)


@pytest.fixture
def signed_in(flow) -> CodeFlow:
    """A browser with a login session and a remembered consent for openid profile email."""
    flow.sign_in()
    return flow


def assert_error_page(response) -> None:
    """An HTML page, never a redirect (AZ-01)."""
    assert response.status_code == 400, response.headers
    assert "Location" not in response.headers
    assert response.mimetype == "text/html"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def stored_rows(app) -> int:
    with app.app_context():
        return (db.session.query(AuthorizationRequest).count()
                + db.session.query(AuthorizationCode).count())


@pytest.mark.parametrize("change", [
    {"client_id": "no-such-client"}, {"client_id": None},
    {"redirect_uri": "https://evil.example/cb"}, {"redirect_uri": None},
])
def test_fatal_errors_get_an_error_page(app, signed_in, change):
    """AZ-01, AZ-03 (the client has two URIs, so none may be left out)."""
    before = stored_rows(app)
    assert_error_page(signed_in.authorize(**change))
    assert stored_rows(app) == before


NEAR_MISSES = [
    "https://RP.example.com/callback", "https://rp.example.com/Callback",
    "https://rp.example.com/callback/", "https://rp.example.com/callback?x=1",
    "https://rp.example.com:8443/callback", "http://rp.example.com/callback",
    "https://rp.example.com/callback#frag", "https://rp.example.com@evil.example/callback",
    "https://rp.example.com.evil.example/callback", "https://rp.example.com/cb/../callback",
    "https://rp.example.com/%63allback", "https://rp.example.com/x/%2e%2e/callback",
    "https://rp.example.com/x/%252e%252e/callback", "https://rp.example.com/callback%00",
    "http://127.0.0.1:8765/cb/", "http://127.0.0.2:8765/cb", "http://localhost:8765/cb",
    "http://127.0.0.1:99999/cb", "http://127.0.0.1:8765@evil/cb", "https://127.0.0.1:8765/cb",
]


@pytest.mark.parametrize("redirect_uri", NEAR_MISSES)
def test_near_miss_redirect_uris(signed_in, redirect_uri):
    """AZ-02: exact match only."""
    assert_error_page(signed_in.authorize(redirect_uri=redirect_uri))


def test_loopback_port_may_vary(signed_in):
    """AZ-02's one exception: RFC 8252 §7.3, loopback IP literal, any port."""
    signed_in.redirect_uri = "http://127.0.0.1:51004/cb"
    answer = signed_in.sign_in()
    assert "code" in answer
    assert signed_in.exchange(answer["code"]).status_code == 200


@pytest.mark.parametrize("change, error", [
    ({"response_type": None}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"response_type": "id_token token"}, "unsupported_response_type"),
    ({"response_type": "code id_token"}, "unsupported_response_type"),
    ({"scope": "openid admin"}, "invalid_scope"),
    ({"response_mode": "fragment"}, "invalid_request"),
    ({"request": "eyJ.x.y"}, "request_not_supported"),
    ({"request_uri": "https://rp.example.com/r"}, "request_uri_not_supported"),
    ({"prompt": "none login"}, "invalid_request"),
    ({"max_age": "-1"}, "invalid_request"),
    ({"nonce": "n" * 513}, "invalid_request"),
])
def test_errors_redirect_with_state_and_iss(signed_in, change, error):
    """AZ-04, AZ-05, AZ-06, AZ-08: to the validated URI, state unchanged, iss."""
    response = signed_in.authorize(**change)
    assert response.status_code == 303
    assert response.headers["Location"].startswith(CALLBACK + "?")
    answer = query_of(response.headers["Location"])
    assert answer["error"] == error
    assert answer["state"] == "st-1"
    assert answer["iss"] == ISSUER


def test_scope_the_client_may_not_have(app, http, alice):
    """AZ-06: a known scope beyond the client's registration."""
    flow = CodeFlow(http, register(app, scope="openid"))
    flow.sign_in(scope="openid")
    answer = query_of(flow.authorize(scope="openid email").headers["Location"])
    assert answer["error"] == "invalid_scope"


def test_unknown_parameters_are_ignored(signed_in):
    """AZ-06: an unknown extra parameter changes nothing."""
    answer = query_of(signed_in.authorize(foo="bar", claims_locales="x").headers["Location"])
    assert "code" in answer


def test_errors_wait_for_the_login(flow):
    """AZ-17: no redirect for an unauthenticated user before the login; after it, the
    error goes to the validated URI."""
    response = flow.authorize(response_type="token")
    assert response.headers["Location"].startswith("/login?request=")
    answer = flow.follow(response.headers["Location"])
    assert answer["error"] == "unsupported_response_type"
    assert answer["iss"] == ISSUER


STATES = ["a&b=c+d e", "ünïcødé ✓", "%41%2B", "x" * 2048, 'quote"<script>']


@pytest.mark.parametrize("state", STATES)
def test_state_comes_back_byte_exact(flow, state):
    """AZ-07: in success and in error answers."""
    assert flow.sign_in(state=state)["state"] == state
    error = query_of(flow.authorize(state=state, scope="nope").headers["Location"])
    assert (error["state"], error["error"]) == (state, "invalid_scope")


def test_too_long_state(signed_in):
    """AZ-07: a state beyond 4 KB gets invalid_request, not a 500."""
    assert_error_page(signed_in.authorize(state="s" * 5000))


def test_success_carries_iss(signed_in):
    """AZ-08: iss equals the discovery issuer."""
    answer = signed_in.sign_in()
    assert answer["iss"] == ISSUER
    assert answer["iss"] == signed_in.http.get("/.well-known/openid-configuration").json["issuer"]


def test_error_description_escaped(signed_in):
    """AZ-18: only %x20-21 / %x23-5B / %x5D-7E, whatever the input."""
    for change in ({"scope": 'openid "<script>\\'}, {"response_type": 'x"\r\nSet-Cookie: a=b'},
                   {"code_challenge_method": '"><script>'}):
        location = signed_in.authorize(**change).headers.get("Location", "")
        assert "\r" not in location and "\n" not in location
        description = query_of(location).get("error_description", "")
        assert all(0x20 <= ord(c) <= 0x7E and c not in '"\\' for c in description), description


def test_host_header_is_ignored(signed_in):
    """DS-04: redirects and iss use the configured issuer."""
    response = signed_in.http.get(
        "/authorize", query_string=signed_in.request_params(),
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    location = response.headers["Location"]
    assert "evil.example" not in location
    # the cookie belongs to the real host, so this browser signs in first
    assert signed_in.follow(location)["iss"] == ISSUER


def test_no_cors_on_authorize(signed_in):
    """HD-04."""
    for method in ("GET", "OPTIONS"):
        response = signed_in.http.open("/authorize", method=method,
                                       query_string=signed_in.request_params(),
                                       headers={"Origin": "https://rp.example.com"})
        assert not [k for k, _ in response.headers if k.startswith("Access-Control-")]


def test_post_authorize(signed_in):
    """OIDC Core §3.1.2.1: POST with a form body works like GET."""
    response = signed_in.http.post("/authorize", data=signed_in.request_params())
    assert "code" in query_of(response.headers["Location"])


@pytest.mark.parametrize("query", ["client_id=a&client_id=b", "state=%ff", "scope=a%00b"])
def test_malformed_query_gets_an_error_page(http, query):
    assert_error_page(http.get(f"/authorize?{query}"))


def test_registered_query_is_kept(app, http, alice):
    """The registered URI's own query stays byte for byte; ours is appended."""
    uri = "https://rp.example.com/cb?tenant=a%20b"
    flow = CodeFlow(http, register(app, redirect_uris=(uri,)), redirect_uri=uri)
    assert flow.sign_in()["tenant"] == "a b"
    location = flow.authorize().headers["Location"]
    assert location.startswith(uri + "&code=")


@backends
def test_resume_answers_once(app, flow):
    """A handle answers the client once; a replay gets the error page."""
    location = flow.authorize().headers["Location"]
    handle = query_of(location)["request"]
    answer = flow.follow(location)
    assert "code" in answer
    assert_error_page(flow.http.get(f"/authorize/resume?request={handle}"))


def test_denied_consent(flow):
    answer = flow.sign_in(allow=False)
    assert answer["error"] == "access_denied"
    assert answer["iss"] == ISSUER and answer["state"] == "st-1"


def test_remembered_consent_is_not_asked_again(signed_in):
    response = signed_in.authorize()
    assert "code" in query_of(response.headers["Location"])
    # a wider scope asks again
    assert signed_in.authorize(scope="openid offline_access").headers["Location"].startswith(
        "/consent?request=")


def test_first_party_clients_skip_consent(app, http, alice):
    flow = CodeFlow(http, register(app, first_party=True))
    location = flow.authorize().headers["Location"]
    assert location.startswith("/login")
    location = login(http, "", "alice@example.com", "correct horse battery staple",
                     query_of(location)["request"])
    assert "code" in query_of(http.get(location).headers["Location"])


@pytest.mark.parametrize("junk", [
    {"max_age": "9" * 40}, {"prompt": "\u202e"}, {"code_challenge": "é" * 43},
    {"nonce": "x" * 4096}, {"login_hint": "a" * 4000}, {"scope": " " * 50},
    {"redirect_uri": "x" * 3000}, {"client_id": "\x7f"}, {"state": ""},
    {"scope": "openid " * 500}, {"redirect_uri": "http://127.0.0.1:9/cb" + "x" * 2000},
])
@backends
def test_junk_never_gets_a_500(app, signed_in, junk):
    before = stored_rows(app)
    response = signed_in.authorize(**junk)
    assert response.status_code in (303, 400), response.status_code
    if response.status_code == 400:
        assert stored_rows(app) == before


def test_deleted_client_while_the_user_signs_in(app, flow):
    location = flow.authorize().headers["Location"]
    with app.app_context():
        delete_client(find_client(flow.client.client_id))
        db.session.commit()
    handle = query_of(location)["request"]
    assert_error_page(flow.http.get(f"/login?request={handle}"))
