"""RL-03: nothing is answered before the commit, and a failed commit leaves nothing behind."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from authserver.extensions import db
from authserver.models import RefreshToken, TokenFamily
from authserver.models import refresh_token as refresh_token_model
from tests.conftest import backends


def fail_next_commit(monkeypatch) -> None:
    real_commit = db.session.commit

    def commit() -> None:
        monkeypatch.setattr(db.session, "commit", real_commit)
        raise OperationalError("COMMIT", {}, Exception("connection lost"))

    monkeypatch.setattr(db.session, "commit", commit)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@backends
def test_failed_commit_on_login_stores_nothing(app, tokens, spa, alice, monkeypatch):
    fail_next_commit(monkeypatch)
    response = tokens.login(spa)
    assert response.status_code == 503
    assert response.json["error"] == "server_error"
    assert "access_token" not in response.json
    assert count(app, TokenFamily) == 0 and count(app, RefreshToken) == 0


@backends
def test_failed_commit_on_refresh_leaves_the_token_usable(app, tokens, spa, alice, monkeypatch):
    """(a) killed before the commit: the client's retry with the same token succeeds."""
    login = tokens.login(spa).json
    fail_next_commit(monkeypatch)
    lost = tokens.refresh(spa, login["refresh_token"])
    assert lost.status_code == 503 and "refresh_token" not in lost.json
    assert count(app, RefreshToken) == 1
    retry = tokens.refresh(spa, login["refresh_token"])
    assert retry.status_code == 200
    assert tokens.refresh(spa, retry.json["refresh_token"]).status_code == 200


@backends
def test_lost_response_after_commit_is_retried_inside_the_grace_window(tokens, spa, alice):
    """(b) committed but never received: the retry gets the same successor, not a new branch."""
    login = tokens.login(spa).json
    committed = tokens.refresh(spa, login["refresh_token"]).json  # imagine this answer lost
    retry = tokens.refresh(spa, login["refresh_token"])
    assert retry.status_code == 200
    assert retry.json["refresh_token"] == committed["refresh_token"]


#: a statement the driver fails as it would when the database goes away mid-transaction
LOST_DATABASE = {"sqlite": "SELECT * FROM database_went_away",
                 "postgresql": "SELECT pg_terminate_backend(pg_backend_pid())"}


@backends
def test_driver_error_in_a_refresh_statement_answers_503_and_keeps_the_token(
        app, tokens, spa, alice, monkeypatch):
    """The hot statements run on the driver cursor (models/refresh_token.py): a driver error
    there, after the claim, is answered like SQLAlchemy's own (503, not 500), the claim is
    rolled back and a lost connection leaves the pool, so the retry succeeds."""
    login = tokens.login(spa).json
    real = refresh_token_model._driver_sql

    def failing_insert(statement, dialect):
        if statement is refresh_token_model._INSERT:
            return LOST_DATABASE[dialect.name]
        return real(statement, dialect)

    monkeypatch.setattr(refresh_token_model, "_driver_sql", failing_insert)
    lost = tokens.refresh(spa, login["refresh_token"])
    assert lost.status_code == 503 and lost.json["error"] == "server_error"
    assert count(app, RefreshToken) == 1
    monkeypatch.setattr(refresh_token_model, "_driver_sql", real)
    retry = tokens.refresh(spa, login["refresh_token"])
    assert retry.status_code == 200
    assert tokens.refresh(spa, retry.json["refresh_token"]).status_code == 200
