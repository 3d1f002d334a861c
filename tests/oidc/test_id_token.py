"""id_tokens from the code flow and from refreshes (OIDC Core §2, §3.1.3.6-7, §12.2):
JW-02, JW-07, AZ-11, RF-05."""

from __future__ import annotations

import base64
import hashlib

import pytest

from authserver.extensions import db
from authserver.models import User
from tests.conftest import backends
from tests.support.authorize import query_of


def at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def sign_in_and_exchange(flow, **params) -> dict:
    answer = flow.sign_in(**params)
    response = flow.exchange(answer["code"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@backends
def test_id_token_claims(flow, verify_id_token, alice, frozen_clock):
    """JW-02, AZ-11: RS256 with kid, iss/sub/aud/exp/iat/auth_time, the nonce as sent,
    at_hash of the access token, one audience so no azp, typ not at+jwt; profile and email
    claims from the one claims source."""
    body = sign_in_and_exchange(flow, nonce="n1", scope="openid profile email")
    header, claims = verify_id_token(body["id_token"])
    assert header["alg"] == "RS256" and header["kid"] and header["typ"] == "JWT"
    assert claims["sub"] == alice
    assert claims["aud"] == flow.client.client_id and "azp" not in claims
    assert claims["nonce"] == "n1"
    assert claims["at_hash"] == at_hash(body["access_token"])
    assert claims["exp"] > claims["iat"] >= claims["auth_time"]
    assert claims["name"] == "Alice" and claims["email"] == "alice@example.com"
    assert claims["email_verified"] is False


def test_without_nonce(flow, verify_id_token):
    """AZ-11: the code flow succeeds without a nonce, and the id_token has none."""
    _, claims = verify_id_token(sign_in_and_exchange(flow)["id_token"])
    assert "nonce" not in claims


def test_scope_decides_the_claims(flow, verify_id_token):
    _, claims = verify_id_token(sign_in_and_exchange(flow, scope="openid")["id_token"])
    assert not {"name", "email", "email_verified"} & claims.keys()


def test_no_id_token_without_openid(flow):
    body = sign_in_and_exchange(flow, scope="profile")
    assert "id_token" not in body


def test_email_verified_follows_the_user(app, flow, verify_id_token):
    with app.app_context():
        db.session.scalar(db.select(User)).email_verified = True
        db.session.commit()
    _, claims = verify_id_token(sign_in_and_exchange(flow, scope="openid email")["id_token"])
    assert claims["email_verified"] is True


@backends
def test_refresh_returns_a_new_id_token(flow, verify_id_token, frozen_clock):
    """RF-05: same iss, sub, aud and auth_time; new iat; no nonce."""
    body = sign_in_and_exchange(flow, nonce="n1", scope="openid offline_access")
    _, first = verify_id_token(body["id_token"])
    frozen_clock.offset += 5
    refreshed = flow.http.post("/token", data={"grant_type": "refresh_token",
                                               "refresh_token": body["refresh_token"]},
                               auth=(flow.client.client_id, flow.client.secret))
    assert refreshed.status_code == 200, refreshed.get_json()
    token = refreshed.get_json()
    _, second = verify_id_token(token["id_token"])
    for claim in ("iss", "sub", "aud", "auth_time"):
        assert second[claim] == first[claim], claim
    assert second["iat"] >= first["iat"] + 5
    assert "nonce" not in second
    assert second["at_hash"] == at_hash(token["access_token"])


def test_password_grant_refresh_has_no_id_token(tokens, spa, alice):
    """Only OpenID sign-ins get id_tokens on refresh; the first-party password grant, which
    never returns one, keeps its refresh answer (and its cost) unchanged."""
    first = tokens.login(spa, scope="openid").json
    refreshed = tokens.refresh(spa, first["refresh_token"]).json
    assert "id_token" not in refreshed


def test_id_token_is_not_an_access_token(flow, http):
    """JW-07: an id_token as the bearer token at /userinfo is refused."""
    body = sign_in_and_exchange(flow)
    response = http.get("/userinfo", headers={"Authorization": f"Bearer {body['id_token']}"})
    assert response.status_code == 401


def test_access_token_is_not_an_id_token_hint(flow):
    """JW-07: an access token where an id_token_hint is expected is refused."""
    body = sign_in_and_exchange(flow)
    answer = query_of(flow.authorize(id_token_hint=body["access_token"]).headers["Location"])
    assert answer["error"] == "invalid_request"


@pytest.mark.parametrize("scope, claims", [
    ("openid", {"sub"}),
    ("openid profile", {"sub", "name"}),
    ("openid email", {"sub", "email", "email_verified"}),
])
def test_userinfo_and_id_token_agree(flow, http, verify_id_token, scope, claims):
    """One claims source for /userinfo and id_tokens (issue 3 §6)."""
    body = sign_in_and_exchange(flow, scope=scope)
    info = http.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert set(info.json) == claims
    _, id_claims = verify_id_token(body["id_token"])
    assert {k: id_claims[k] for k in claims} == info.json
