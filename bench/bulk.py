"""Fast inserts of many rows: COPY on PostgreSQL, executemany in chunks elsewhere.

Runs inside an app context of authserver.create_app, so it writes through the same engine
settings (SQLite pragmas, PostgreSQL search_path) as the server it feeds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Table, func, select, text

from authserver.extensions import db

if TYPE_CHECKING:
    import psycopg

T = TypeVar("T")
CHUNK = 10_000
#: page cache of the seeding connection (KiB)
SQLITE_CACHE_KIB = 262_144


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):  # ends with the items
        yield chunk


def insert_rows(table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert `rows` (tuples in the order of `columns`) in one transaction, straight through
    the driver: COPY on PostgreSQL, executemany in chunks on SQLite."""
    raw = db.engine.raw_connection()
    quoted = ", ".join(f'"{column}"' for column in columns)
    try:
        if db.engine.dialect.name == "postgresql":
            _copy(raw.driver_connection, f'COPY "{table.name}" ({quoted}) FROM STDIN', rows)
        else:
            _executemany(raw.driver_connection, f'INSERT INTO "{table.name}" ({quoted}) '
                         f"VALUES ({', '.join('?' for _ in columns)})", rows)
    finally:
        raw.close()


def _copy(connection: psycopg.Connection, statement: str, rows: Iterable[tuple]) -> None:
    """COPY in one transaction. The rows reference existing rows by construction, so when
    the role may (a superuser), the per-row foreign-key triggers, which double the time of
    a COPY, are skipped for this transaction only."""
    from psycopg.errors import InsufficientPrivilege  # PostgreSQL only: an optional driver

    with connection.cursor() as cursor:
        try:
            cursor.execute("SET LOCAL session_replication_role = replica")
        except InsufficientPrivilege:
            connection.rollback()
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    connection.commit()


def _executemany(connection: sqlite3.Connection, statement: str, rows: Iterable[tuple]) -> None:
    """The app's engine leaves SQLite in autocommit mode (it issues BEGIN itself): one
    explicit transaction here, and a large page cache: every index takes its share of pages."""
    cursor = connection.cursor()
    try:
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cursor.execute("BEGIN IMMEDIATE")
        for chunk in chunks(rows):
            cursor.executemany(statement, chunk)
        cursor.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            cursor.execute("ROLLBACK")
        raise
    finally:
        cursor.close()


def count(table: Table) -> int:
    with db.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table))


def after_bulk_load(tables: Sequence[Table]) -> None:
    """Leave the database as a production one would be after such a load: PostgreSQL with
    planner statistics (autovacuum's ANALYZE), SQLite with its WAL checkpointed into the
    database file (readers would otherwise look every page up in a huge WAL)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            for table in tables:
                connection.execute(text(f'ANALYZE "{table.name}"'))
        return
    raw = db.engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
