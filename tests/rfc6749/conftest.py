"""Token-endpoint fixtures: more client shapes, direct storage edits, access-token decoding."""

from __future__ import annotations

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from authserver.extensions import db
from authserver.models import Client, User
from tests.conftest import Registered


@pytest.fixture
def portal(make_client) -> Registered:
    """A confidential first-party client (client_secret_basic) using the password grant."""
    return make_client("portal", first_party=True)


@pytest.fixture
def poster(make_client) -> Registered:
    """A confidential client_credentials client registered for client_secret_post."""
    return make_client("poster", auth_method="client_secret_post")


def row_editor(app: Flask, find):
    """Change the fields of the row `find(key)` returns, straight in the database."""
    def edit(key: str, **fields: object) -> None:
        with app.app_context():
            row = find(key)
            for name, value in fields.items():
                setattr(row, name, value)
            db.session.commit()
    return edit


@pytest.fixture
def edit_client(app: Flask):
    """Change stored client fields directly, bypassing the registration rules."""
    return row_editor(app, Client.find)


@pytest.fixture
def edit_user(app: Flask):
    """Change stored user fields directly (a disabled flag, an old password hash)."""
    return row_editor(app, User.find_by_email)


@pytest.fixture
def stored_user(app: Flask):
    """The user row as stored now: a fresh read, detached from any request."""
    def read(email: str) -> User:
        with app.app_context():
            user = User.find_by_email(email)
            db.session.expunge(user)
            return user
    return read


@pytest.fixture
def decode_access_token(app: Flask, http: FlaskClient):
    """Verify an access token against the published /jwks, as a resource server would."""
    keys = jwt.PyJWKSet.from_dict(http.get("/jwks").get_json())
    issuer = app.config["AUTHSERVER_ISSUER"]

    def decode(token: str) -> dict:
        kid = jwt.get_unverified_header(token)["kid"]
        key = next(k for k in keys.keys if k.key_id == kid)
        return jwt.decode(token, key.key, algorithms=["RS256"], audience=issuer, issuer=issuer)
    return decode
