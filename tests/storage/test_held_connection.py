"""Each worker thread keeps one connection for the hot statements (hot_path.HeldConnection)
instead of a pool checkout and checkin per request: still one transaction per request, a
lost connection replaced, an idle one pinged, a disposed pool or a forked process never
served by the connection of before."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from authserver.extensions import db
from authserver.models import hot_path
from tests.conftest import PG_URL, backends


@pytest.fixture(autouse=True)
def cached_clients(settings) -> None:
    """Refreshes in a driver transaction of their own (models/hot_path.py)."""
    settings["AUTHSERVER_CLIENT_CACHE_SECONDS"] = 60


@pytest.fixture
def used(monkeypatch) -> list:
    """The driver connection of each driver transaction, in order."""
    connections = []
    real = hot_path.DriverTransaction.__init__

    def init(transaction, engine, write=True) -> None:
        real(transaction, engine, write)
        connections.append(transaction.dbapi_connection)

    monkeypatch.setattr(hot_path.DriverTransaction, "__init__", init)
    return connections


@pytest.fixture
def checkouts(app) -> list:
    with app.app_context():
        engine = db.engine
    taken: list = []
    event.listen(engine, "checkout", lambda *_args: taken.append(1))
    return taken


def refresh(tokens, spa, token: str, times: int) -> str:
    for _ in range(times):
        response = tokens.refresh(spa, token)
        assert response.status_code == 200, response.json
        token = response.json["refresh_token"]
    return token


@pytest.fixture
def token(tokens, spa, alice) -> str:
    """A login's refresh token, refreshed once: the thread holds its connection."""
    return refresh(tokens, spa, tokens.login(spa).json["refresh_token"], 1)


@backends
def test_refreshes_share_the_threads_connection(app, tokens, spa, token, used, checkouts):
    """No pool checkout once the thread holds its connection."""
    checkouts.clear()
    used.clear()
    refresh(tokens, spa, token, 3)
    assert len(used) == 3 and len({id(connection) for connection in used}) == 1
    assert checkouts == []


@backends
def test_a_lost_connection_is_replaced(app, used, tokens, spa, token):
    used[-1].close()  # what a connection lost under it looks like to the driver
    lost = tokens.refresh(spa, token)
    # 503, as for any lost database: SQLite's driver raises ProgrammingError on a closed
    # connection, PostgreSQL's OperationalError
    assert lost.status_code == 503 and lost.headers["Retry-After"] == "5"
    assert lost.json["error"] == "server_error" and "refresh_token" not in lost.json
    retry = tokens.refresh(spa, token)
    assert retry.status_code == 200
    assert used[-1] is not used[0]


@backends
def test_a_disposed_pool_or_another_process_gets_a_new_connection(app, used, tokens, spa,
                                                                   token, monkeypatch):
    with app.app_context():
        db.engine.dispose()
    token = tokens.refresh(spa, token).json["refresh_token"]
    after_dispose = used[-1]
    assert after_dispose is not used[0]
    real_pid = hot_path.os.getpid()
    monkeypatch.setattr(hot_path.os, "getpid", lambda: real_pid + 1)  # as in a forked worker
    assert tokens.refresh(spa, token).status_code == 200
    assert used[-1] is not after_dispose


@backends
def test_a_second_driver_transaction_in_the_thread_takes_a_pooled_one(app):
    """While the held connection serves a transaction, another one in the same thread (a
    read beside it) gets its own from the pool, and gives it back."""
    with app.app_context():
        engine = db.engine
        first = hot_path.DriverTransaction(engine, write=False)
        second = hot_path.DriverTransaction(engine, write=False)
        try:
            assert isinstance(first.connection, hot_path.HeldConnection)
            assert not isinstance(second.connection, hot_path.HeldConnection)
            assert first.dbapi_connection is not second.dbapi_connection
        finally:
            second.close()
            first.close()
        again = hot_path.DriverTransaction(engine)
        assert again.dbapi_connection is first.dbapi_connection
        if engine.dialect.name == "sqlite":
            assert again.dbapi_connection.in_transaction  # BEGIN IMMEDIATE
            again.close()
            assert not first.dbapi_connection.in_transaction  # rolled back, as the pool would
        else:
            assert again.dbapi_connection.autocommit  # each statement commits itself
            again.close()
            assert again.dbapi_connection.autocommit  # and stays so: it never serves the session



@pytest.mark.skipif(not PG_URL, reason="needs AUTHSERVER_TEST_DATABASE_URL")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
        app, used, tokens, spa, token, monkeypatch):
    """As the pool pings its idle connections (extensions.ping_when_idle): a restart or an
    idle-connection killer costs no request."""
    from tests.storage.test_idle_ping import terminate

    monkeypatch.setattr(hot_path, "PING_AFTER_IDLE_SECONDS", 0.0)
    held = used[-1]
    terminate(held.info.backend_pid)
    assert tokens.refresh(spa, token).status_code == 200
    assert used[-1] is not held


@backends
def test_the_driver_transaction_ends_with_its_request(app, tokens, spa, token, monkeypatch):
    """It is kept per request context (a context variable, cleared by teardown): a refresh
    whose commit failed leaves nothing for the next request of the thread, and none can be
    opened outside a request, where no teardown would close it."""
    def failing_commit(_transaction) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(hot_path.DriverTransaction, "commit", failing_commit)
    assert tokens.refresh(spa, token).status_code == 503
    monkeypatch.undo()
    assert hot_path._current() is None
    # not rotated (SQLite), or rotated as it ran and answered again as a retry (PostgreSQL)
    assert tokens.refresh(spa, token).status_code == 200
    with app.app_context(), pytest.raises(RuntimeError, match="belongs to a request"):
        hot_path.open_driver_transaction()
    assert hot_path._current() is None
