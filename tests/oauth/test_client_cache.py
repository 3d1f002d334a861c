"""The in-memory client cache: no query on a hit, changes seen after the TTL."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, event

from authserver.extensions import db
from authserver.models import Client
from authserver.oauth import client_cache


@pytest.fixture
def settings(settings):
    settings["AUTHSERVER_CLIENT_CACHE_SECONDS"] = 5
    return settings


@pytest.fixture
def statements(app):
    """Every SQL statement the app runs, as text."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def monotonic(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(client_cache.time, "monotonic", lambda: now[0])
    return now


def test_client_credentials_on_a_cache_hit_touches_no_database(tokens, machine, statements,
                                                               monotonic):
    assert tokens.client_credentials(machine).status_code == 200
    statements.clear()
    assert tokens.client_credentials(machine).status_code == 200
    assert statements == []


def test_a_deleted_client_is_refused_once_the_ttl_has_passed(app, tokens, machine, monotonic):
    assert tokens.client_credentials(machine).status_code == 200
    with app.app_context():
        db.session.execute(delete(Client).where(Client.client_id == machine.client_id))
        db.session.commit()
    monotonic[0] += 4  # within the TTL the record may still serve
    assert tokens.client_credentials(machine).status_code == 200
    monotonic[0] += 2
    response = tokens.client_credentials(machine)
    assert response.status_code == 401 and response.json["error"] == "invalid_client"


def test_unknown_clients_are_not_cached(app, tokens, monotonic):
    from tests.conftest import Registered

    ghost = Registered("not-yet-registered", "secret")
    assert tokens.client_credentials(ghost).status_code == 401
    assert "not-yet-registered" not in app.extensions["authserver.oauth"].clients._entries


def test_refresh_through_a_cached_client_still_rotates(tokens, spa, alice, monotonic):
    first = tokens.login(spa).json
    second = tokens.refresh(spa, first["refresh_token"])
    third = tokens.refresh(spa, second.json["refresh_token"])
    assert second.status_code == third.status_code == 200
