"""RL-03: nothing is answered before the commit, and a failed commit leaves nothing behind."""

from __future__ import annotations

import jwt
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from authserver.extensions import db
from authserver.models import RefreshToken, TokenFamily, hot_path
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


@pytest.fixture
def cached_clients(settings) -> None:
    """Client records from the cache: the refresh then runs in a driver transaction of its
    own (models/hot_path.py) instead of the session's."""
    settings["AUTHSERVER_CLIENT_CACHE_SECONDS"] = 60


@backends
@pytest.mark.parametrize("transaction", ["session", "driver"])
def test_driver_error_in_a_refresh_statement_answers_503_and_keeps_the_token(
        transaction, settings, request, monkeypatch):
    """The hot statements run on a driver cursor (models/hot_path.py), in the session's
    transaction or the request's own: a driver error storing the successor (on SQLite after
    the claim; on PostgreSQL in the lookup that claims) is answered like SQLAlchemy's own
    (503, not 500), the claim is rolled back and a lost connection leaves the pool, so the
    retry succeeds."""
    if transaction == "driver":
        request.getfixturevalue("cached_clients")
    app, tokens, spa = (request.getfixturevalue(name) for name in ("app", "tokens", "spa"))
    request.getfixturevalue("alice")
    login = tokens.login(spa).json
    real = hot_path._driver_sql

    def failing_insert(statement, dialect):
        if statement in (refresh_token_model._INSERT, refresh_token_model._CLAIM_AT_LOOKUP):
            return LOST_DATABASE[dialect.name]
        return real(statement, dialect)

    monkeypatch.setattr(hot_path, "_driver_sql", failing_insert)
    lost = tokens.refresh(spa, login["refresh_token"])
    assert lost.status_code == 503 and lost.json["error"] == "server_error"
    assert count(app, RefreshToken) == 1
    monkeypatch.setattr(hot_path, "_driver_sql", real)
    retry = tokens.refresh(spa, login["refresh_token"])
    assert retry.status_code == 200
    assert tokens.refresh(spa, retry.json["refresh_token"]).status_code == 200


@backends
def test_failed_driver_commit_on_refresh_leaves_the_token_usable(
        cached_clients, app, tokens, spa, alice, monkeypatch):
    """(a) for a refresh in its own driver transaction, failing at its commit: on SQLite
    nothing is stored; on PostgreSQL the rotation committed as it ran (one atomic statement,
    hot_path.DriverTransaction), so this is (b), a lost answer. Either way the client's retry
    with the same token succeeds and the chain goes on."""
    login = tokens.login(spa).json
    real_commit = hot_path.DriverTransaction.commit

    def commit(transaction) -> None:
        monkeypatch.setattr(hot_path.DriverTransaction, "commit", real_commit)
        raise OperationalError("COMMIT", {}, Exception("connection lost"))

    monkeypatch.setattr(hot_path.DriverTransaction, "commit", commit)
    lost = tokens.refresh(spa, login["refresh_token"])
    assert lost.status_code == 503 and "refresh_token" not in lost.json
    rotated_as_it_ran = app.config["AUTHSERVER_DATABASE_URL"].startswith("postgresql")
    assert count(app, RefreshToken) == (2 if rotated_as_it_ran else 1)
    retry = tokens.refresh(spa, login["refresh_token"])
    assert retry.status_code == 200
    assert count(app, RefreshToken) == 2  # the retry stored no second branch
    assert tokens.refresh(spa, retry.json["refresh_token"]).status_code == 200


@backends
def test_a_cached_client_refresh_runs_in_one_driver_transaction(
        cached_clients, app, tokens, spa, alice, monkeypatch, session_begins):
    """The fast path really runs: one driver transaction, one commit, the session untouched;
    and a transaction that begins beside it fails at once instead of waiting on its lock."""
    login = tokens.login(spa, scope="openid profile").json
    with app.app_context():  # as a code-flow sign-in with openid: its refresh signs an id_token
        db.session.execute(update(TokenFamily).values(openid=True))
        db.session.commit()
    opened, committed = [], []
    real_init, real_commit = hot_path.DriverTransaction.__init__, hot_path.DriverTransaction.commit

    def init(transaction, engine) -> None:
        opened.append(transaction)
        real_init(transaction, engine)

    def commit(transaction) -> None:
        committed.append(transaction)
        real_commit(transaction)

    def no_session(*_args, **_kwargs):
        raise AssertionError("the session was used beside the driver transaction")

    monkeypatch.setattr(hot_path.DriverTransaction, "__init__", init)
    monkeypatch.setattr(hot_path.DriverTransaction, "commit", commit)
    monkeypatch.setattr(db.session, "connection", no_session)
    session_begins.clear()
    refreshed = tokens.refresh(spa, login["refresh_token"])
    assert refreshed.status_code == 200 and "id_token" in refreshed.json
    assert len(opened) == 1 and committed == opened
    assert session_begins == []
    claims = jwt.decode(refreshed.json["id_token"], options={"verify_signature": False})
    assert claims["name"] == "Alice"  # the user's claims, read with the token's lookup
    monkeypatch.undo()
    with app.test_request_context():
        assert hot_path.open_driver_transaction()
        with pytest.raises(RuntimeError, match="beside this request's driver transaction"):
            db.session.scalar(select(func.count()).select_from(RefreshToken))
        hot_path.end(commit_it=False)
