"""RP-initiated logout at /logout (OpenID Connect RP-Initiated Logout 1.0)."""

from __future__ import annotations

import pytest

from tests.conftest import backends
from tests.support.authorize import CodeFlow, query_of, register
from tests.support.browser_login import get_page, submit

AFTER = "https://rp.example.com/signed-out"


@pytest.fixture
def rp(app):
    return register(app, post_logout_redirect_uris=(AFTER,))


@pytest.fixture
def id_token(flow) -> str:
    """Signed in at the server, with an id_token for the relying party."""
    return flow.exchange(flow.sign_in()["code"]).get_json()["id_token"]


def signed_in(flow: CodeFlow) -> bool:
    answer = query_of(flow.authorize(prompt="none").headers["Location"])
    return "code" in answer


def assert_page(response, status: int = 200) -> str:
    assert response.status_code == status, response.headers
    assert "Location" not in response.headers
    assert response.mimetype == "text/html"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert not [k for k, _ in response.headers if k.startswith("Access-Control-")]
    return response.get_data(as_text=True)


@backends
def test_logout_with_id_token_hint(flow, id_token):
    """No confirmation with a valid hint; back to the registered URI with the state."""
    response = flow.http.get("/logout", query_string={
        "id_token_hint": id_token, "post_logout_redirect_uri": AFTER, "state": "a b&c"})
    assert response.status_code == 303
    assert response.headers["Location"] == AFTER + "?state=a%20b%26c"
    assert not signed_in(flow)


def test_logout_without_redirect_shows_the_signed_out_page(flow, id_token):
    text = assert_page(flow.http.post("/logout", data={"id_token_hint": id_token}))
    assert "signed out" in text
    assert not signed_in(flow)


def test_expired_hint_still_identifies(flow, id_token, frozen_clock):
    frozen_clock.offset += 3600
    response = flow.http.get("/logout", query_string={"id_token_hint": id_token})
    assert response.status_code == 200
    assert not signed_in(flow)


@pytest.mark.parametrize("params", [
    {"post_logout_redirect_uri": "https://evil.example/"},
    {"post_logout_redirect_uri": AFTER + "/"},
    {"post_logout_redirect_uri": AFTER, "client_id": "other"},
    {"id_token_hint": "not.a.token"},
])
def test_bad_requests_get_an_error_page(flow, id_token, params):
    """Never a redirect to an unregistered URI; the session lives on."""
    assert_page(flow.http.get("/logout", query_string={"id_token_hint": id_token, **params}
                              if "id_token_hint" not in params else params), 400)
    assert signed_in(flow)


def test_redirect_needs_to_know_the_client(flow, id_token):
    assert_page(flow.http.get("/logout", query_string={"post_logout_redirect_uri": AFTER}),
                400)


@backends
def test_logout_without_hint_asks_first(flow, id_token):
    """A bare link cannot sign the user out: the user confirms with a CSRF-protected POST."""
    query = {"client_id": flow.client.client_id, "post_logout_redirect_uri": AFTER,
             "state": "s1"}
    page = get_page(flow.http, "", "/logout?" + "&".join(f"{k}={v}" for k, v in query.items()))
    confirmation = flow.http.get(page.url)
    assert "Sign out?" in assert_page(confirmation)
    # browsers apply form-action to the redirect after the POST, which ends at the RP
    assert "form-action 'self' https://rp.example.com;" in confirmation.headers[
        "Content-Security-Policy"]
    assert signed_in(flow)

    forged = flow.http.post("/logout", data={**query, "csrf_token": "x"})
    assert forged.status_code == 200 and signed_in(flow)

    answer = submit(flow.http, "", page, {})
    assert answer.status == 303
    assert answer.headers["Location"] == AFTER + "?state=s1"
    assert not signed_in(flow)


def test_hint_for_another_user_asks_first(app, flow, id_token, make_user):
    make_user("bob@example.com", name="Bob")
    bob = CodeFlow(app.test_client(), flow.client)
    bob.sign_in(email="bob@example.com")
    page = bob.http.get("/logout", query_string={"id_token_hint": id_token})
    assert "Sign out?" in assert_page(page)
    assert signed_in(bob)


def test_logout_without_a_session(http, rp):
    assert "signed out" in assert_page(http.get("/logout"))
    response = http.get("/logout", query_string={"client_id": rp.client_id,
                                                 "post_logout_redirect_uri": AFTER})
    assert response.headers["Location"] == AFTER
