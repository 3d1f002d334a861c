"""Where the refresh grant's statements run: a transaction of the request's own on a pooled
driver connection, or the ORM session's when the request has already used the session.

A refresh is a lookup, a conditional UPDATE, an INSERT and a commit. Through the session its
transaction alone (begin, commit, closing the session and returning its connection) cost
about 75 us of a 330 us refresh besides signing, in process on SQLite: more than SQLite
takes to run the statements. On a driver connection the transaction costs about 10 us, on
the one each worker thread keeps for these statements (HeldConnection: no pool checkout at
all). The statements are compiled once per dialect and run on a driver cursor either way.

One transaction per request still: the token view's finish() commits it before the answer
leaves (RL-03) and teardown rolls back and returns the connection otherwise (on PostgreSQL
the one writing statement commits itself: DriverTransaction). The request
must then not use the session as well: on SQLite every transaction takes the write lock at
BEGIN (extensions.tune_sqlite), so the session would wait on this connection's lock. The
refresh grant opens one only when the session is unused (a client record from the cache), its
OpenID claims come from the lookup's row, and a session that begins anyway fails at once
(init_app) instead of waiting out the busy timeout.

A single read that needs no transaction (an access token's liveness, /userinfo's user) runs
the same way through read_one: on a driver connection taken for that statement alone, with
no BEGIN (no write lock on SQLite), or in the transaction the request already has open.

Driver errors are raised as SQLAlchemy's, as its own execution would (a lost database
answers 503, web/errors.py), and a lost connection leaves the pool.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from contextlib import suppress
from contextvars import ContextVar
from functools import cache
from typing import Any

from flask import Flask, has_request_context
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection, QueuePool

from ..extensions import PING_AFTER_IDLE_SECONDS, db


class HeldConnection:
    """The connection one worker thread keeps for its hot statements.

    Checking a connection out of SQLAlchemy's pool and back in (the proxy, its finalizer,
    the reset, the events) on every refresh, introspection and /userinfo cost about 65 us
    of a 525 us refresh without the signature in process, and live more again: a SQLite
    connection other connections have written through since its last use starts with a
    cold page cache. So each thread opens one through the pool (the engine's connect events
    apply), detaches it and keeps it, for as long as that pool lives (engine.dispose()
    starts a new one) in that process (a forked worker opens its own). On PostgreSQL it
    stays in autocommit (DriverTransaction): each worker thread holds one connection
    besides the pool's. One that sat idle is pinged first, as the pool pings its own
    (extensions.ping_when_idle), and replaced if the server dropped it; a driver error that
    loses it mid-request invalidates it, and the next request opens another.
    """

    def __init__(self, engine: Engine) -> None:
        proxied = engine.raw_connection()
        proxied.detach()  # the pool no longer counts it, nor resets or closes it
        self.dialect = engine.dialect
        self.dbapi_connection: DBAPIConnection = proxied.dbapi_connection
        self.pid = os.getpid()
        self.is_valid = True
        self.in_use = False
        self.idle_since = time.monotonic()

    def usable(self) -> bool:
        """Still open, in this process, and alive (pinged if it sat idle)."""
        if not self.is_valid or self.pid != os.getpid():
            return False
        if time.monotonic() - self.idle_since < PING_AFTER_IDLE_SECONDS:
            return True
        try:
            self.dialect.do_ping(self.dbapi_connection)
        except self.dialect.loaded_dbapi.Error as exc:
            self.invalidate(exc)
            return False
        return True

    def invalidate(self, _error: BaseException | None = None) -> None:
        self.is_valid = False
        with suppress(self.dialect.loaded_dbapi.Error):
            self.dbapi_connection.close()

    def close(self) -> None:
        """Back to its thread, out of any transaction (as the pool would reset it)."""
        try:
            if self.is_valid:
                self.dbapi_connection.rollback()  # nothing to do, and no round trip, if idle
        finally:
            self.in_use = False
            self.idle_since = time.monotonic()


class _Held(threading.local):
    """This thread's held connection, per pool: several apps may share a thread (tests)."""

    def __init__(self) -> None:
        self.by_pool: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


_held = _Held()


def _checkout(engine: Engine) -> PoolProxiedConnection | HeldConnection:
    """The thread's held connection; a pooled one when the held connection is in use
    already, or when the pool is not a QueuePool (an in-memory SQLite database is one
    connection's own)."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return engine.raw_connection()
    held = _held.by_pool.get(pool)
    if held is not None and held.in_use:
        return engine.raw_connection()
    if held is None or not held.usable():
        held = _held.by_pool[pool] = HeldConnection(engine)
    held.in_use = True
    return held


class DriverTransaction:
    """One transaction on a driver connection: pooled, or on SQLite this thread's own
    (HeldConnection).

    On SQLite it begins as the engine begins its own (BEGIN IMMEDIATE: the write lock from
    the start) and commits in finish(). On PostgreSQL the refresh writes one statement
    (RefreshToken.claim, the lookup that rotates; or RefreshToken.rotate after a lookup)
    and a reused token one more (the family's revocation, committed at once anyway), each
    atomic by itself, so the connection runs in autocommit: a refresh is one round trip
    instead of BEGIN, lookup, rotation and COMMIT. The conditional UPDATE inside the rotation
    is what decides between concurrent refreshes, as under READ COMMITTED before.
    """

    def __init__(self, engine: Engine, write: bool = True) -> None:
        """write=False: one read, which needs no transaction of its own (no BEGIN on SQLite,
        so no write lock; autocommit on PostgreSQL)."""
        self.dialect = engine.dialect
        self.autocommit = self.dialect.name == "postgresql"
        error = self.dialect.loaded_dbapi.Error
        try:
            self.connection = _checkout(engine)
        except error as exc:
            raise _sqlalchemy_error(exc, self.dialect, None) from exc
        try:
            if self.autocommit and not self.dbapi_connection.autocommit:
                self.dbapi_connection.autocommit = True
            elif write:
                self.dialect.do_begin(self.dbapi_connection)
        except error as exc:
            wrapped = _sqlalchemy_error(exc, self.dialect, self)  # invalidates a lost one
            self.close()
            raise wrapped from exc
        except BaseException:
            self.close()
            raise

    @property
    def dbapi_connection(self) -> DBAPIConnection:
        return self.connection.dbapi_connection

    def invalidate(self, error: BaseException) -> None:
        self.connection.invalidate(error)

    def commit(self) -> None:
        if self.autocommit:
            return  # each statement committed as it ran
        try:
            self.dialect.do_commit(self.dbapi_connection)
        except self.dialect.loaded_dbapi.Error as exc:
            raise _sqlalchemy_error(exc, self.dialect, self) from exc

    def close(self) -> None:
        """Back to the pool as the session expects it (out of autocommit; a held connection
        stays in it); whatever was not committed is rolled back."""
        try:
            if self.autocommit and self.connection.is_valid \
                    and not isinstance(self.connection, HeldConnection):
                self.dbapi_connection.autocommit = False
        finally:
            self.connection.close()


#: this request's driver transaction, set by open_driver_transaction and cleared by end(),
#: which teardown runs after every request. A context variable rather than flask.g: it is
#: read five times a refresh, and each read of g is a proxy lookup (about 1.5 us).
_transaction: ContextVar[DriverTransaction | None] = ContextVar("driver_transaction",
                                                                default=None)


def _current() -> DriverTransaction | None:
    """This request's driver transaction, if it opened one."""
    return _transaction.get()


def _session_in_transaction() -> bool:
    return db.session.registry.has() and db.session().in_transaction()


def open_driver_transaction() -> bool:
    """Run this request's hot statements in a driver transaction, unless the session has
    begun one already (then they join it). True if they run on the driver connection."""
    if _current() is not None:
        return True
    if not has_request_context():
        raise RuntimeError("a driver transaction belongs to a request (end() closes it)")
    if _session_in_transaction():
        return False
    _transaction.set(DriverTransaction(db.engine))
    return True


def dialect_name() -> str:
    transaction = _current()
    return (transaction.dialect if transaction is not None else db.engine.dialect).name


def commit() -> None:
    """Commit the transaction the hot statements ran in, now (the session's otherwise)."""
    transaction = _current()
    if transaction is None:
        db.session.commit()
    else:
        transaction.commit()


def end(commit_it: bool) -> None:
    """The request's driver transaction committed (or not) and its connection returned."""
    transaction = _current()
    if transaction is None:
        return
    _transaction.set(None)
    try:
        if commit_it:
            transaction.commit()
    finally:
        transaction.close()


def fetch_one(statement: Any, params: dict[str, Any]) -> tuple | None:
    return _run(statement, params, fetch=True)


def read_one(statement: Any, params: dict[str, Any]) -> tuple | None:
    """One row of a read that needs no transaction (the liveness of an access token): in the
    transaction the request has open if any, else on a driver connection given back at once
    (DriverTransaction). No session begun, closed and removed around it: ~0.25 ms of an
    introspection."""
    if _current() is not None or _session_in_transaction():
        return fetch_one(statement, params)
    reader = DriverTransaction(db.engine, write=False)
    try:
        return _run(statement, params, fetch=True, holder=reader)
    finally:
        reader.close()


def execute(statement: Any, params: dict[str, Any]) -> int:
    """The number of rows the statement changed."""
    return _run(statement, params, fetch=False)


def _run(statement: Any, params: dict[str, Any], fetch: bool,
         holder: DriverTransaction | None = None) -> Any:
    """A hot statement in the request's driver transaction, or the session's (or `holder`):
    the first row (fetch) or the number of rows changed. Plain try/except rather than context
    managers: two generator-based ones cost ~7 us a statement, three statements a refresh."""
    # both hold a pool connection (.connection) and can invalidate it
    holder = holder or _current() or db.session.connection()
    dialect = holder.dialect
    sql = _driver_sql(statement, dialect)
    cursor = None
    try:
        cursor = holder.connection.dbapi_connection.cursor()  # fails on a closed connection
        cursor.execute(sql, params)
        return cursor.fetchone() if fetch else cursor.rowcount
    except dialect.loaded_dbapi.Error as exc:
        raise _sqlalchemy_error(exc, dialect, holder, sql, params, cursor) from exc
    finally:
        if cursor is not None:
            cursor.close()


def _sqlalchemy_error(exc: Exception, dialect: Dialect, holder: Any, sql: str | None = None,
                      params: dict[str, Any] | None = None,
                      cursor: DBAPICursor | None = None) -> DBAPIError:
    """A driver error as SQLAlchemy's; a lost connection invalidated first."""
    lost = holder is not None and dialect.is_disconnect(
        exc, holder.connection.dbapi_connection, cursor)
    if lost:
        holder.invalidate(exc)
    return DBAPIError.instance(sql, params, exc, dialect.loaded_dbapi.Error,
                               connection_invalidated=lost, dialect=dialect)


@cache
def _driver_sql(statement: Any, dialect: Dialect) -> str:
    """The statement's SQL for this dialect, with named parameters (SQLite's driver takes
    `:name` with a dict as well as its default `?`)."""
    if dialect.paramstyle == "qmark":
        dialect = type(dialect)(paramstyle="named")
    return statement.compile(dialect=dialect).string


def init_app(app: Flask) -> None:
    """Whatever the answer, the driver connection goes back to the pool; and a transaction
    that begins beside the request's driver transaction fails at once: on SQLite it would
    wait on its write lock until the busy timeout, on PostgreSQL maybe on a row lock."""
    app.teardown_request(lambda _exc: end(commit_it=False))
    with app.app_context():
        dialect = db.engine.dialect
    begin = dialect.do_begin

    def begin_alone(dbapi_connection: DBAPIConnection) -> None:
        transaction = _current()
        if transaction is not None and transaction.dbapi_connection is not dbapi_connection:
            raise RuntimeError("a transaction began beside this request's driver transaction")
        begin(dbapi_connection)

    dialect.do_begin = begin_alone
