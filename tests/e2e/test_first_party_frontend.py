"""The central scenario: a first-party frontend logs a user in, calls an API, refreshes
silently when the access token expires, and must log in again once its refresh token is
revoked by reuse detection. Real HTTP against a real server, with Authlib's client."""

from __future__ import annotations

import base64

import pytest
import requests
from authlib.integrations.requests_client import OAuthError

from tests.conftest import PASSWORD, Registered

from .helpers import (
    EMAIL,
    assert_invalid_grant,
    assert_not_logged,
    bearer_challenge,
    frontend_session,
    login,
    machine_session,
    refresh,
    start_of_next_second,
    token_url,
    unverified_claims,
    userinfo,
    wait_until,
)


def assert_userinfo_ok(response: requests.Response, sub: str) -> None:
    assert response.status_code == 200, response.text
    assert response.json() == {"sub": sub, "email": EMAIL, "email_verified": False,
                               "name": "Alice"}


def test_frontend_login_expiry_silent_refresh_and_relogin_after_reuse(serve, spa, alice):
    """UI-01, RF-01, UI-02, RF-02: the life of a first-party session, 2 s access tokens."""
    server = serve(AUTHSERVER_ACCESS_TOKEN_TTL=2)
    frontend = frontend_session(spa)

    anonymous = userinfo(server, None)  # UI-01: a bare challenge, no error attribute
    assert anonymous.status_code == 401
    assert bearer_challenge(anonymous).get("realm")
    assert "error" not in bearer_challenge(anonymous)

    start_of_next_second()  # our clock has whole seconds and no leeway on exp
    first = login(frontend, server)
    assert first["token_type"].lower() == "bearer"
    assert first["expires_in"] == 2
    assert first["refresh_token"]
    assert_userinfo_ok(userinfo(server, first["access_token"]), alice)

    wait_until(unverified_claims(first["access_token"])["exp"])
    expired = userinfo(server, first["access_token"])
    assert expired.status_code == 401
    challenge = bearer_challenge(expired)
    assert challenge["error"] == "invalid_token"
    assert "expired" in challenge["error_description"]
    assert expired.json()["error"] == "invalid_token"

    second = frontend.refresh_token(token_url(server))
    assert frontend.last_response.status_code == 200
    assert second["refresh_token"] not in (None, first["refresh_token"])
    assert second["access_token"] != first["access_token"]
    assert_userinfo_ok(userinfo(server, second["access_token"]), alice)

    third = frontend.refresh_token(token_url(server))  # a later silent refresh
    assert third["refresh_token"] not in (first["refresh_token"], second["refresh_token"])

    # An attacker replays the first refresh token: its successor has rotated since, so this
    # is reuse, and the whole login is revoked.
    assert_invalid_grant(refresh(server, spa, first["refresh_token"]))

    with pytest.raises(OAuthError) as failed:
        frontend.refresh_token(token_url(server))
    assert failed.value.error == "invalid_grant"
    assert_invalid_grant(frontend.last_response)

    # The user logs in again and carries on.
    again = login(frontend, server)
    assert again["refresh_token"] not in (first["refresh_token"], third["refresh_token"])
    assert_userinfo_ok(userinfo(server, again["access_token"]), alice)

    assert_not_logged(server, password=PASSWORD, **{
        f"{name}_{kind}": token[kind]
        for name, token in {"first": first, "second": second, "third": third,
                            "again": again}.items()
        for kind in ("access_token", "refresh_token")})


def test_secrets_never_logged(server, spa, machine, make_client, alice):
    """ST-05: after logins, failures, refreshes, reuse and client_credentials calls, the
    server's output holds no password, client secret, refresh token, access token or
    Authorization header."""
    frontend = frontend_session(spa)
    wrong_password = "not the right password, but a secret all the same"
    with pytest.raises(OAuthError):
        login(frontend, server, password=wrong_password)
    with pytest.raises(OAuthError):
        login(frontend, server, username="nobody@example.com", password=wrong_password)
    first = login(frontend, server)
    assert userinfo(server, first["access_token"]).status_code == 200
    second = frontend.refresh_token(token_url(server))
    third = frontend.refresh_token(token_url(server))
    assert refresh(server, spa, first["refresh_token"]).status_code == 400  # reuse
    assert userinfo(server, third["access_token"]).status_code == 401

    basic = machine_session(machine).fetch_token(token_url(server),
                                                 grant_type="client_credentials")
    wrong_secret = "wrong-secret-" + "s" * 30
    with pytest.raises(OAuthError):
        machine_session(Registered(machine.client_id, wrong_secret)).fetch_token(
            token_url(server), grant_type="client_credentials")
    wrong_method = machine_session(machine, token_endpoint_auth_method="client_secret_post")
    with pytest.raises(OAuthError):  # registered for Basic: refused, but the secret was sent
        wrong_method.fetch_token(token_url(server), grant_type="client_credentials")
    poster = make_client("poster", auth_method="client_secret_post")
    posted = machine_session(poster, token_endpoint_auth_method="client_secret_post").fetch_token(
        token_url(server), grant_type="client_credentials")

    basic_header = base64.b64encode(f"{machine.client_id}:{machine.secret}".encode()).decode()
    assert_not_logged(
        server, password=PASSWORD, wrong_password=wrong_password,
        client_secret=machine.secret, wrong_secret=wrong_secret, basic_header=basic_header,
        poster_secret=poster.secret, cc_access_token=basic["access_token"],
        posted_access_token=posted["access_token"],
        **{f"{name}_{kind}": token[kind]
           for name, token in {"first": first, "second": second, "third": third}.items()
           for kind in ("access_token", "refresh_token")})
    log = server.log()
    assert "login.failed" in log and "refresh.reuse_detected" in log  # the flows did run
    assert "Bearer ey" not in log and "Authorization" not in log
