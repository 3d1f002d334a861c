"""Fixtures layered from storage up: database -> app -> seeded clients and users -> HTTP.

Storage-sensitive tests take the `database` fixture family and run on SQLite and, when
AUTHSERVER_TEST_DATABASE_URL is set, on PostgreSQL (each test in a schema of its own).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session

from authserver import create_app
from authserver.clients import register_client
from authserver.clock import clock
from authserver.database import code_heads
from authserver.extensions import db
from authserver.keys import create_key
from authserver.users import create_user

PG_URL = os.environ.get("AUTHSERVER_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def key_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RSA key for the whole run: generating them is slow, copying is not."""
    folder = tmp_path_factory.mktemp("keys-template")
    create_key(folder, now=clock.now() - 3600)
    return folder


@pytest.fixture
def keys_dir(tmp_path: Path, key_template: Path) -> Path:
    folder = tmp_path / "keys"
    shutil.copytree(key_template, folder)
    return folder


def postgres_schema_url(schema: str) -> str:
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database; SQLite unless the test is parametrized with a backend."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'authserver.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield postgres_schema_url(schema).replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def backends(test):
    """Run a storage-sensitive test on every available backend."""
    return pytest.mark.parametrize("database_url", BACKENDS, indirect=True)(test)


@pytest.fixture
def settings(tmp_path: Path, keys_dir: Path, database_url: str) -> dict:
    """The settings of the app under test; tests may change them before `app` is built."""
    return {
        "AUTHSERVER_INSTANCE_DIR": str(tmp_path / "instance"),
        "AUTHSERVER_KEYS_DIR": str(keys_dir),
        "AUTHSERVER_DATABASE_URL": database_url,
        "AUTHSERVER_SECRET_KEY": "test-secret-key-" + "x" * 32,
        # tests change clients under the server's feet; tests/oauth/test_client_cache.py
        # covers the cache itself
        "AUTHSERVER_CLIENT_CACHE_SECONDS": 0,
    }


@pytest.fixture
def app(settings: dict) -> Iterator[Flask]:
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        stamp_head(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def stamp_head(app: Flask) -> None:
    """create_all built the schema of the migrations' head (tests/migrations proves it):
    record that revision as `authserver init` would, so /readyz sees a migrated database."""
    (head,) = code_heads(app.config["AUTHSERVER_MIGRATIONS_DIR"])
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version "
                          "(version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": head})


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch):
    """The app clock; move it with `frozen_clock.offset += seconds`."""
    monkeypatch.setattr(clock, "offset", 0)
    return clock


@dataclass
class Registered:
    client_id: str
    secret: str | None


@pytest.fixture
def make_client(app: Flask):
    def make(name: str = "test client", public: bool = False, first_party: bool = False,
             grant_types: tuple[str, ...] = (), scope: str | None = None,
             auth_method: str | None = None) -> Registered:
        with app.app_context():
            client, secret = register_client(
                name, public=public, first_party=first_party, grant_types=grant_types,
                scope=scope, server_scopes=app.config["AUTHSERVER_SCOPES"].split(),
                auth_method=auth_method)
            db.session.commit()
            return Registered(client.client_id, secret)
    return make


@pytest.fixture
def spa(make_client) -> Registered:
    """The first-party frontend: a public client using the password grant."""
    return make_client("spa", public=True, first_party=True)


@pytest.fixture
def machine(make_client) -> Registered:
    """A confidential client_credentials client."""
    return make_client("machine")


@pytest.fixture
def make_user(app: Flask):
    def make(email: str = "alice@example.com", password: str = PASSWORD,
             name: str | None = "Alice") -> str:
        with app.app_context():
            user = create_user(email, password, name, 1024)
            db.session.commit()
            return user.sub
    return make


@pytest.fixture
def alice(make_user) -> str:
    return make_user()


class TokenClient:
    """Intent-named helpers over Flask's test client for the token endpoint."""

    def __init__(self, http: FlaskClient) -> None:
        self.http = http

    def post(self, data: dict, **kwargs):
        return self.http.post("/token", data=data, **kwargs)

    def login(self, client: Registered, username: str = "alice@example.com",
              password: str = PASSWORD, **extra):
        return self.post({"grant_type": "password", "client_id": client.client_id,
                          "username": username, "password": password, **extra})

    def refresh(self, client: Registered, refresh_token: str, **extra):
        return self.post({"grant_type": "refresh_token", "client_id": client.client_id,
                          "refresh_token": refresh_token, **extra})

    def client_credentials(self, client: Registered, **extra):
        return self.post({"grant_type": "client_credentials", **extra},
                         auth=(client.client_id, client.secret))


@pytest.fixture
def tokens(http: FlaskClient) -> TokenClient:
    return TokenClient(http)


# The code flow's fixtures (rp, flow) and helpers, shared by tests/rfc6749, rfc7636, oidc, e2e.
pytest_plugins = ["tests.support.authorize"]


@pytest.fixture
def session_begins() -> Iterator[list]:
    """The connections of every transaction an ORM session begins during the test."""
    begun: list = []

    def record(_session, _transaction, connection) -> None:
        begun.append(connection)

    event.listen(Session, "after_begin", record)
    yield begun
    event.remove(Session, "after_begin", record)
