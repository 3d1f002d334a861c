"""Flask extensions, created once and unbound; create_app binds them. Also the per-app
rate-limit counters (they hold storage, so they cannot be module-wide)."""

from __future__ import annotations

import time

from flask import Flask, current_app, request
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase

from .counters import Counters, counting_in


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=app.config["AUTHSERVER_MIGRATIONS_DIR"])
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            tune_sqlite(db.engine)
        else:
            ping_when_idle(db.engine, PING_AFTER_IDLE_SECONDS)
    init_counters(app)


#: a pooled connection unused this long is pinged before use (pool_pre_ping, but only then)
PING_AFTER_IDLE_SECONDS = 1.0


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """pool_pre_ping's check, skipped for a connection used moments ago.

    pool_pre_ping pays a round trip on every checkout, i.e. on every request (~10% of a
    refresh on PostgreSQL). A connection back from a request a second ago is almost surely
    alive; if the server went away meanwhile, the disconnect is detected on first use, the
    pool is invalidated and that request answers 503 (errors.py) - the same as a server lost
    mid-request with pre_ping.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checking_out(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # new, or used moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError() from exc  # the pool replaces the connection and retries


def client_ip() -> str:
    """The client's address: the socket peer, or what trusted proxies say (request_context)."""
    return request.remote_addr or "unknown"


def init_counters(app: Flask) -> Counters:
    """The rate-limit and lockout counters of this app (counters.py): in Redis when
    AUTHSERVER_REDIS_URL is set, so that every instance shares them, else in worker memory."""
    config = app.config
    counters = counting_in(config["AUTHSERVER_REDIS_URL"], config["AUTHSERVER_REDIS_KEY_PREFIX"])
    app.extensions["authserver.counters"] = counters
    return counters


def counters() -> Counters:
    """The current app's counters."""
    return current_app.extensions["authserver.counters"]


def tune_sqlite(engine: Engine) -> None:
    """WAL with synchronous=NORMAL, foreign keys on, and BEGIN IMMEDIATE transactions.

    IMMEDIATE takes SQLite's write lock when a transaction starts, so two requests that
    read a refresh token and then rotate it are serialised instead of failing with
    SQLITE_BUSY when the reader tries to upgrade to a writer.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    # The dialect's own begin hook rather than a "begin" event running BEGIN as a statement:
    # an engine without connection events skips their dispatch on every statement, and
    # SQLAlchemy still maps a failed BEGIN (database locked or gone) to its OperationalError.
    engine.dialect.do_begin = _begin_immediate


def _begin_immediate(dbapi_connection) -> None:
    dbapi_connection.execute("BEGIN IMMEDIATE")
