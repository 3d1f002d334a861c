"""Clients of every shape, and the revocation requests shared by the tests of issue 4
(revocation, introspection, refresh-cookie mode, the account API)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from authserver.clients import register_client
from authserver.extensions import db
from authserver.models import RefreshToken, RevokedAccessToken
from tests.conftest import PASSWORD, Registered
from tests.rfc6749.checks import assert_token_headers, basic_auth


def register(app: Flask, name: str, **options: object) -> Registered:
    """Any registration register_client accepts (refresh_cookie, cors_origins,
    resource_server, ...), which the shared make_client fixture does not pass yet."""
    fields = {"public": False, "first_party": False, "grant_types": (), "scope": None,
              "auth_method": None, **options}
    with app.app_context():
        client, secret = register_client(
            name, server_scopes=app.config["AUTHSERVER_SCOPES"].split(), **fields)
        db.session.commit()
        return Registered(client.client_id, secret)


def authenticated(client: Registered, data: dict) -> dict:
    """Request arguments authenticating the client as registered: Basic for a confidential
    client, its client_id in the body for a public one."""
    if client.secret is None:
        return {"data": {"client_id": client.client_id, **data}}
    return {"data": data, "headers": basic_auth(client.client_id, client.secret)}


def password_login(http: FlaskClient, client: Registered, username: str = "alice@example.com",
                   scope: str = "openid profile email", **headers: str) -> dict:
    """A successful password grant for any client shape; its JSON body."""
    request = authenticated(client, {
        "grant_type": "password", "username": username, "password": PASSWORD, "scope": scope})
    request["headers"] = {**request.get("headers", {}), **headers}
    response = http.post("/token", **request)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def refresh(http: FlaskClient, client: Registered, refresh_token: str) -> TestResponse:
    return http.post("/token", **authenticated(client, {
        "grant_type": "refresh_token", "refresh_token": refresh_token}))


def revoke(http: FlaskClient, client: Registered, token: str, **extra: str) -> TestResponse:
    return http.post("/revoke", **authenticated(client, {"token": token, **extra}))


def userinfo(http: FlaskClient, access_token: str) -> TestResponse:
    return http.get("/userinfo", headers={"Authorization": f"Bearer {access_token}"})


def assert_revocation_answer(response: TestResponse) -> None:
    """RFC 7009 §2.2: 200 and nothing else to learn, whether anything was revoked or not."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data() == b""
    assert response.headers.get("Cache-Control") == "no-store", response.headers
    assert response.headers.get("Pragma") == "no-cache", response.headers


def assert_access_denied(http: FlaskClient, access_token: str) -> None:
    response = userinfo(http, access_token)
    assert response.status_code == 401, response.get_data(as_text=True)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert_token_headers(response)


def denylist(app: Flask) -> dict[str, int]:
    """The access-token denylist as stored: jti -> expires_at."""
    with app.app_context():
        rows = db.session.execute(select(RevokedAccessToken.jti, RevokedAccessToken.expires_at))
        return {jti: expires_at for jti, expires_at in rows}


@dataclass(frozen=True)
class StoredRefreshToken:
    """A refresh token's row and its family's, as stored now."""

    issued_at: int
    expires_at: int
    rotated_at: int | None
    family_id: str
    client_id: str
    family_expires_at: int
    family_revoked_at: int | None


def stored_refresh_token(app: Flask, token: str) -> StoredRefreshToken | None:
    with app.app_context():
        found = RefreshToken.lookup(token)
        if found is None:
            return None
        return StoredRefreshToken(found.issued_at, found.expires_at, found.rotated_at,
                                  found.family_id, found.client_id, found.family_expires_at,
                                  found.revoked_at)
