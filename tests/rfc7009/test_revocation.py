"""POST /revoke (RFC 7009): client authentication, a refresh token takes its family with
it, an access token is denied by jti until it expires, and no oracle (RV-01..RV-06)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import backends
from tests.rfc6749.checks import assert_oauth_error, basic_auth
from tests.rfc7662.helpers import assert_active, assert_inactive, introspect

from .helpers import (
    assert_access_denied,
    assert_revocation_answer,
    denylist,
    password_login,
    refresh,
    revoke,
    userinfo,
)

HINTS = ["access_token", "refresh_token", "id_token", "no_such_type", None]


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def hint(value: str | None) -> dict:
    return {} if value is None else {"token_type_hint": value}


def test_confidential_client_must_authenticate(http, portal, alice):
    """RV-04: no secret, a wrong one or the wrong method: 401 invalid_client, nothing revoked."""
    login = password_login(http, portal)
    attempts = [
        http.post("/revoke", data={"token": login["refresh_token"],
                                   "client_id": portal.client_id}),
        http.post("/revoke", data={"token": login["refresh_token"]},
                  headers=basic_auth(portal.client_id, "wrong secret")),
        http.post("/revoke", data={"token": login["refresh_token"], "client_id": portal.client_id,
                                   "client_secret": portal.secret}),  # registered for Basic
        http.post("/revoke", data={"token": login["refresh_token"]}),
    ]
    for response in attempts:
        assert_oauth_error(response, 401, "invalid_client")
    assert attempts[1].headers["WWW-Authenticate"].startswith("Basic")
    assert refresh(http, portal, login["refresh_token"]).status_code == 200


def test_confidential_client_revokes_with_its_credentials(http, portal, alice):
    """RV-01 for a confidential client (client_secret_basic)."""
    login = password_login(http, portal)
    assert_revocation_answer(revoke(http, portal, login["refresh_token"]))
    assert_oauth_error(refresh(http, portal, login["refresh_token"]), 400, "invalid_grant")
    assert_access_denied(http, login["access_token"])


@backends
def test_revoking_a_refresh_token_revokes_its_family(app, http, tokens, spa, session,
                                                     resource_server):
    """RV-01, RV-06 and point 6: a public client revokes its own token with its client_id;
    every refresh token and access token of the login dies, though the JWTs are unexpired,
    and the denylist gains nothing (the family is the one entry)."""
    rotated = tokens.refresh(spa, session["refresh_token"]).get_json()
    assert_revocation_answer(revoke(http, spa, rotated["refresh_token"]))
    response = tokens.refresh(spa, rotated["refresh_token"])
    assert_oauth_error(response, 400, "invalid_grant")
    for access_token in (session["access_token"], rotated["access_token"]):
        assert_access_denied(http, access_token)
        assert_inactive(introspect(http, resource_server, access_token))
    assert denylist(app) == {}


@backends
def test_revoking_an_access_token_denies_its_jti_until_it_expires(app, http, tokens, spa,
                                                                  session, resource_server):
    """RV-01, point 6: only that token; its family and its other tokens keep working, and
    the denylist entry lasts exactly as long as the token would have."""
    rotated = tokens.refresh(spa, session["refresh_token"]).get_json()
    assert_revocation_answer(revoke(http, spa, session["access_token"]))
    assert_access_denied(http, session["access_token"])
    assert_inactive(introspect(http, resource_server, session["access_token"]))

    claims = jwt_claims(session["access_token"])
    assert denylist(app) == {claims["jti"]: claims["exp"]}
    assert userinfo(http, rotated["access_token"]).status_code == 200
    assert_active(introspect(http, resource_server, rotated["access_token"]))
    assert tokens.refresh(spa, rotated["refresh_token"]).status_code == 200

    assert_revocation_answer(revoke(http, spa, session["access_token"]))  # RV-02: again
    assert denylist(app) == {claims["jti"]: claims["exp"]}


@pytest.mark.parametrize("token_type_hint", HINTS)
def test_the_hint_is_only_a_hint_for_refresh_tokens(http, tokens, spa, session, token_type_hint):
    """RV-05: a wrong or unknown hint still revokes."""
    assert_revocation_answer(revoke(http, spa, session["refresh_token"], **hint(token_type_hint)))
    assert tokens.refresh(spa, session["refresh_token"]).get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize("token_type_hint", HINTS)
def test_the_hint_is_only_a_hint_for_access_tokens(http, tokens, spa, session, token_type_hint):
    assert_revocation_answer(revoke(http, spa, session["access_token"], **hint(token_type_hint)))
    assert_access_denied(http, session["access_token"])


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 10_000, "ü" * 50,
                                   "eyJhbGciOiJub25lIn0.e30."],
                         ids=["word", "jwt-shaped", "10k", "unicode", "alg-none"])
def test_unknown_tokens_answer_200(app, http, spa, session, token):
    """RV-02: no oracle; nothing is stored for them."""
    assert_revocation_answer(revoke(http, spa, token))
    assert denylist(app) == {}
    assert userinfo(http, session["access_token"]).status_code == 200


def test_expired_tokens_answer_200(app, http, spa, session, frozen_clock):
    """RV-02: an expired access token needs no denylist entry."""
    frozen_clock.offset += 30 * 86_400 + 1
    assert_revocation_answer(revoke(http, spa, session["access_token"]))
    assert_revocation_answer(revoke(http, spa, session["refresh_token"]))
    assert denylist(app) == {}


def test_already_revoked_tokens_answer_200(http, spa, session):
    """RV-02."""
    for _ in range(2):
        assert_revocation_answer(revoke(http, spa, session["refresh_token"]))
    for _ in range(2):
        assert_revocation_answer(revoke(http, spa, session["access_token"]))


@backends
def test_another_client_cannot_revoke_the_tokens(http, tokens, spa, portal, make_client, session,
                                                 resource_server):
    """RV-03: a public and a confidential client try; the 200 is a no-op and every token of
    the login still works."""
    other_spa = make_client("other spa", public=True, first_party=True)
    for client in (other_spa, portal, resource_server):
        for token in (session["refresh_token"], session["access_token"]):
            assert_revocation_answer(revoke(http, client, token))
    assert userinfo(http, session["access_token"]).status_code == 200
    assert_active(introspect(http, resource_server, session["access_token"]))
    assert tokens.refresh(spa, session["refresh_token"]).status_code == 200


def test_only_post(http, spa, session):
    response = http.get(f"/revoke?token={session['refresh_token']}&client_id={spa.client_id}")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.get_json()["error"] == "invalid_request"
    assert userinfo(http, session["access_token"]).status_code == 200


def test_missing_token_is_invalid_request(http, spa):
    assert_oauth_error(http.post("/revoke", data={"client_id": spa.client_id}), 400,
                       "invalid_request")
