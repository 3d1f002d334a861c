"""The code grant at /token (RFC 6749 §4.1.3-4.1.4): TE-01..TE-07 and code reuse."""

from __future__ import annotations

import pytest

from authserver.extensions import db
from authserver.models import AuthorizationCode, User
from authserver.users import set_disabled
from tests.conftest import backends
from tests.rfc6749.checks import assert_oauth_error, assert_token_headers
from tests.support.authorize import CodeFlow, register


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@backends
def test_code_exchange(flow):
    """TE-01: 200, Bearer, expires_in, no-store and no-cache, JSON."""
    answer = flow.sign_in(scope="openid offline_access")
    response = flow.exchange(answer["code"])
    assert response.status_code == 200, response.get_json()
    assert_token_headers(response)
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    assert body["scope"] == "openid offline_access"
    assert {"access_token", "id_token", "refresh_token"} <= body.keys()


def test_no_refresh_token_without_offline_access(flow):
    """AZ-12: a refresh token only for offline_access, which the consent covered."""
    answer = flow.sign_in(scope="openid profile")
    body = flow.exchange(answer["code"]).get_json()
    assert "refresh_token" not in body
    assert "id_token" in body


@backends
def test_reused_code_revokes_what_the_first_exchange_issued(flow, http, frozen_clock):
    """TE-02, TE-03: a second use answers invalid_grant, at once or 30 s later, and the
    access and refresh tokens of the first exchange stop working everywhere."""
    code = flow.sign_in(scope="openid offline_access")["code"]
    first = flow.exchange(code).get_json()
    assert http.get("/userinfo", headers=bearer(first["access_token"])).status_code == 200

    assert_oauth_error(flow.exchange(code), 400, "invalid_grant")
    frozen_clock.offset += 30
    assert_oauth_error(flow.exchange(code), 400, "invalid_grant")

    assert http.get("/userinfo", headers=bearer(first["access_token"])).status_code == 401
    introspected = http.post("/introspect", data={"token": first["access_token"]},
                             auth=(flow.client.client_id, flow.client.secret))
    assert introspected.get_json() == {"active": False}
    refreshed = http.post("/token", data={"grant_type": "refresh_token",
                                          "refresh_token": first["refresh_token"]},
                          auth=(flow.client.client_id, flow.client.secret))
    assert_oauth_error(refreshed, 400, "invalid_grant")


@backends
def test_code_of_another_client_is_refused_and_burned(app, flow):
    """TE-04: client B's valid credentials do not redeem A's code, and A cannot either."""
    other = register(app, name="Other")
    code = flow.sign_in()["code"]
    thief = CodeFlow(flow.http, other)
    thief.verifier = flow.verifier
    assert_oauth_error(thief.exchange(code), 400, "invalid_grant")
    assert_oauth_error(flow.exchange(code), 400, "invalid_grant")


@pytest.mark.parametrize("redirect_uri", ["https://rp.example.com/other", None])
def test_redirect_uri_must_repeat_the_authorization_request(flow, redirect_uri):
    """TE-05: different, or missing though the authorization request sent one."""
    code = flow.sign_in()["code"]
    assert_oauth_error(flow.exchange(code, redirect_uri=redirect_uri), 400, "invalid_grant")
    # and the failed attempt burned it
    assert_oauth_error(flow.exchange(code), 400, "invalid_grant")


def test_redirect_uri_may_be_left_out_when_the_request_had_none(flow):
    """RFC 6749 §4.1.3: required only if it was in the authorization request. The pages
    still know where the answer goes (their CSP form-action must allow it)."""
    location = flow.authorize(redirect_uri=None).headers["Location"]
    assert "https://rp.example.com" in flow.http.get(location).headers[
        "Content-Security-Policy"]
    code = flow.follow(location)["code"]
    assert flow.exchange(code, redirect_uri=None).status_code == 200


def test_expired_code(flow, frozen_clock):
    """TE-06: 60 s by default."""
    code = flow.sign_in()["code"]
    frozen_clock.offset += 61
    assert_oauth_error(flow.exchange(code), 400, "invalid_grant")


@pytest.mark.parametrize("data, error", [
    ({"code": "x"}, "invalid_request"),
    ({"grant_type": "foo", "code": "x"}, "unsupported_grant_type"),
    ({"grant_type": "authorization_code", "code": "not-a-code"}, "invalid_grant"),
    ({"grant_type": "authorization_code"}, "invalid_request"),
])
def test_malformed_token_requests(http, rp, data, error):
    """TE-07: never a 500."""
    assert_oauth_error(http.post("/token", data=data, auth=(rp.client_id, rp.secret)),
                       400, error)


def test_truncated_code(flow):
    code = flow.sign_in()["code"]
    assert_oauth_error(flow.exchange(code[:-1]), 400, "invalid_grant")
    assert flow.exchange(code).status_code == 200


def test_client_without_the_code_grant(app, http, alice):
    """TE-08: a client registered for client_credentials only: unauthorized_client."""
    rp = register(app, grant_types=("client_credentials",))
    response = http.post("/token", data={"grant_type": "authorization_code", "code": "x"},
                         auth=(rp.client_id, rp.secret))
    assert_oauth_error(response, 400, "unauthorized_client")


def test_code_in_the_query_string_is_refused(flow, http):
    """TE-09: parameters in the URL are not used."""
    code = flow.sign_in()["code"]
    response = http.post(f"/token?code={code}", data={"grant_type": "authorization_code"},
                         auth=(flow.client.client_id, flow.client.secret))
    assert_oauth_error(response, 400, "invalid_request")
    assert flow.exchange(code).status_code == 200


@backends
def test_codes_are_stored_as_digests(app, flow):
    code = flow.sign_in()["code"]
    with app.app_context():
        row = db.session.scalar(db.select(AuthorizationCode))
        assert code not in (row.code_digest, row.redirect_uri, row.scope)
        assert row.expires_at - row.created_at == 60
        assert row.code_challenge == flow.challenge and row.code_challenge_method == "S256"


def test_disabled_user_cannot_redeem(app, flow):
    code = flow.sign_in()["code"]
    with app.app_context():
        set_disabled(db.session.scalar(db.select(User)), True)
        db.session.commit()
    assert_oauth_error(flow.exchange(code), 400, "invalid_grant")


def test_offline_access_needs_the_refresh_token_grant(app, http, alice):
    """AZ-12: a client without refresh tokens cannot ask for offline access."""
    flow = CodeFlow(http, register(app, grant_types=("authorization_code",)))
    flow.sign_in()
    response = flow.authorize(scope="openid offline_access")
    assert "error=invalid_scope" in response.headers["Location"]


def test_used_code_from_another_client_still_revokes(app, flow, http):
    """A used code is a leaked code, whoever presents it again."""
    code = flow.sign_in()["code"]
    first = flow.exchange(code).get_json()
    thief = CodeFlow(flow.http, register(app, name="Other"))
    assert_oauth_error(thief.exchange(code), 400, "invalid_grant")
    assert http.get("/userinfo", headers=bearer(first["access_token"])).status_code == 401
