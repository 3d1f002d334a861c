"""Database errors as answers (web/errors.py): a database that cannot answer, or a connection
found lost whatever the driver calls it, is a 503 to retry; any other database error is a
500 like any other bug, and neither shows the driver's message."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError


def _raising(app, error: Exception):
    def boom() -> None:
        raise error

    app.add_url_rule("/boom", "boom", boom)
    return app.test_client().get("/boom")


@pytest.mark.parametrize("error", [
    OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")),
    # a closed SQLite connection: ProgrammingError, which SQLAlchemy found was a disconnect
    DBAPIError.instance("SELECT 1", {}, sqlite3.ProgrammingError(
        "Cannot operate on a closed database."), sqlite3.Error, connection_invalidated=True),
])
def test_an_unavailable_database_is_a_503(app, error):
    response = _raising(app, error)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.json == {"error": "server_error",
                             "error_description": "the database is unavailable"}


@pytest.mark.parametrize("error", [
    IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed: x.y")),
    ProgrammingError("SELECT", {}, sqlite3.ProgrammingError("no such table: secret_table")),
])
def test_another_database_error_is_a_500_without_its_message(app, error):
    response = _raising(app, error)
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert response.json == {"error": "server_error", "error_description": "internal error"}
