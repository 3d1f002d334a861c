"""Flask extensions, created once and unbound; create_app binds them."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


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
    init_limiter(app)


def client_ip() -> str:
    """The client's address: the socket peer, or what trusted proxies say (request_context)."""
    return request.remote_addr or "unknown"


def init_limiter(app: Flask) -> Limiter:
    """One Flask-Limiter per app, unlike db: it keeps its storage and its limits on itself, so
    a module-wide one would mix the counters and limits of every app a process builds.

    Counters live in Redis when AUTHSERVER_REDIS_URL is set (shared by every instance), else
    in the worker's memory. If Redis stops answering, the worker falls back to memory rather
    than failing the request, and returns to Redis when it answers again.
    """
    config = app.config
    redis_url = config["AUTHSERVER_REDIS_URL"]
    options = {"key_prefix": config["AUTHSERVER_REDIS_KEY_PREFIX"]} if redis_url else {}
    limiter = Limiter(client_ip, storage_uri=redis_url or "memory://", storage_options=options,
                      strategy="fixed-window", headers_enabled=False,
                      in_memory_fallback_enabled=True)
    limiter.init_app(app)
    app.extensions["authserver.limiter"] = limiter
    return limiter


def limiter() -> Limiter:
    """The current app's rate limiter."""
    return current_app.extensions["authserver.limiter"]


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

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
