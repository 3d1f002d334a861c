"""grant_type=client_credentials (RFC 6749 §4.4): confidential clients, no refresh token."""

from __future__ import annotations

from flask import Flask

from authserver.extensions import db
from authserver.models import User
from tests.rfc6749.checks import assert_oauth_error, assert_token_headers


def test_confidential_client_gets_an_access_token_about_itself_TE10(
        app: Flask, tokens, machine, alice, decode_access_token):
    response = tokens.client_credentials(machine)

    assert response.status_code == 200, response.get_json()
    assert_token_headers(response)
    body = response.get_json()
    assert "refresh_token" not in body
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    claims = decode_access_token(body["access_token"])
    assert claims["sub"] == machine.client_id
    assert claims["client_id"] == machine.client_id
    assert "auth_time" not in claims
    with app.app_context():
        assert machine.client_id not in {user.sub for user in db.session.scalars(db.select(User))}


def test_a_scope_within_the_clients_set_is_granted(tokens, make_client, decode_access_token):
    client = make_client("reporting", scope="profile email")

    response = tokens.client_credentials(client, scope="email")

    assert response.status_code == 200, response.get_json()
    assert decode_access_token(response.get_json()["access_token"])["scope"] == "email"


def test_scope_outside_the_clients_set_is_invalid_scope_TE10(tokens, make_client):
    client = make_client("reporting", scope="profile")

    assert_oauth_error(tokens.client_credentials(client, scope="email"), 400, "invalid_scope")
    assert_oauth_error(tokens.client_credentials(client, scope="profile email"), 400,
                       "invalid_scope")


def test_unknown_scope_is_invalid_scope(tokens, machine):
    assert_oauth_error(tokens.client_credentials(machine, scope="admin"), 400, "invalid_scope")


def test_public_client_is_unauthorized_client_TE08(tokens, spa, edit_client):
    """A public client has no credentials to prove, even when registered for the grant."""
    edit_client(spa.client_id, grant_types=["password", "refresh_token", "client_credentials"])

    response = tokens.post({"grant_type": "client_credentials", "client_id": spa.client_id})

    assert_oauth_error(response, 400, "unauthorized_client")


def test_client_not_registered_for_the_grant_is_unauthorized_client_TE08(tokens, portal):
    assert_oauth_error(tokens.client_credentials(portal), 400, "unauthorized_client")
