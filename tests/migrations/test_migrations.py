"""RL-09: the migrations are the only way the schema changes, so they must build exactly the
models' schema, come down cleanly and go up again, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect

from authserver import create_app
from authserver.clients import register_client
from authserver.extensions import db
from authserver.models import Client, User
from authserver.users import create_user
from tests.conftest import PASSWORD, backends


@pytest.fixture
def bare_app(settings: dict) -> Flask:
    """An app over an empty database, no tables created: the migrations must do it."""
    app = create_app(settings, with_keys=False)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def _schema_diff() -> list:
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), db.metadata)


def _upgrade(app: Flask) -> None:
    flask_migrate.upgrade(directory=app.config["AUTHSERVER_MIGRATIONS_DIR"])


def _downgrade(app: Flask) -> None:
    flask_migrate.downgrade(directory=app.config["AUTHSERVER_MIGRATIONS_DIR"], revision="base")


@backends
def test_upgrade_builds_exactly_the_models_schema(bare_app: Flask) -> None:
    with bare_app.app_context():
        assert _tables() == set()
        _upgrade(bare_app)
        assert set(db.metadata.tables) <= _tables()
        assert _schema_diff() == []


@backends
def test_downgrade_to_base_then_upgrade_again(bare_app: Flask) -> None:
    with bare_app.app_context():
        _upgrade(bare_app)
        _downgrade(bare_app)
        assert _tables() == {"alembic_version"}
        _upgrade(bare_app)
        assert _tables() == set(db.metadata.tables) | {"alembic_version"}
        assert _schema_diff() == []


@backends
def test_data_written_after_upgrade_is_readable_by_the_models(bare_app: Flask) -> None:
    with bare_app.app_context():
        _upgrade(bare_app)
        user = create_user("seed@example.com", PASSWORD, "Seed", 1024)
        client, secret = register_client(
            "seeded", public=False, first_party=False, grant_types=("client_credentials",),
            scope="openid", server_scopes=["openid", "profile", "email"], auth_method=None,
            cors_origins=("https://app.example.com",))
        db.session.commit()
        sub, client_id = user.sub, client.client_id
        db.session.remove()

        found = User.find_by_email("seed@example.com")
        assert found is not None and found.sub == sub and not found.disabled
        stored = Client.find(client_id)
        assert stored is not None and secret
        assert stored.grant_types == ["client_credentials"]
        assert stored.cors_origins == ["https://app.example.com"]
        assert stored.redirect_uris == [] and not stored.first_party
