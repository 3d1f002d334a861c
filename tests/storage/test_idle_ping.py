"""PostgreSQL connections are pinged before use once they have sat idle
(extensions.ping_when_idle): a connection the server dropped while it waited in the pool is
replaced before a request gets it, and a busy connection is not pinged at all."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from authserver import extensions
from authserver.extensions import db
from tests.conftest import PG_URL

pytestmark = [pytest.mark.skipif(not PG_URL, reason="needs AUTHSERVER_TEST_DATABASE_URL"),
              pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)]


def backend_pid() -> int:
    return db.session.scalar(text("SELECT pg_backend_pid()"))


def count_pings(engine, monkeypatch) -> list[int]:
    pings: list[int] = []
    real = engine.dialect.do_ping

    def do_ping(dbapi_connection) -> bool:
        pings.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", do_ping)
    return pings


@pytest.fixture
def eager_ping(monkeypatch) -> None:
    """Every pooled connection counts as idle (taken before `app` builds the engine)."""
    monkeypatch.setattr(extensions, "PING_AFTER_IDLE_SECONDS", 0.0)


def terminate(pid: int) -> None:
    """What a database restart or an idle-connection killer does to a pooled connection."""
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_connection_dropped_while_idle_is_replaced(eager_ping, app) -> None:
    with app.app_context():
        first = backend_pid()
        db.session.commit()  # back to the pool
        terminate(first)
        assert backend_pid() != first  # no error: the ping found it dead, a new one served


def test_a_connection_used_moments_ago_is_not_pinged(app, monkeypatch) -> None:
    with app.app_context():
        first = backend_pid()
        db.session.commit()
        pings = count_pings(db.engine, monkeypatch)
        assert backend_pid() == first
        db.session.commit()
    assert pings == []
