"""Is the database there, and is its schema at the head of the migrations this code ships?

`serve` and `init` wait for it at start (a database container starts slower than ours);
/readyz asks both questions on every probe.
"""

from __future__ import annotations

import logging
import time
from functools import cache

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger("authserver")


class DatabaseUnavailable(Exception):
    """The database did not answer within the configured wait."""


def driver_message(exc: SQLAlchemyError) -> str:
    """The driver's first line only: SQLAlchemy's own text would echo bound parameters."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def wait_for_database(engine: Engine, seconds: float, pause: float = 0.5,
                      max_pause: float = 5.0) -> None:
    """Return once `SELECT 1` succeeds; after `seconds` of failures raise DatabaseUnavailable.

    The pause doubles up to max_pause (RL-05): quick when the database is a moment away, gentle
    on one that restarts.
    """
    deadline = time.monotonic() + seconds
    attempt = 0
    while True:
        attempt += 1
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return
        except SQLAlchemyError as exc:
            message = driver_message(exc)
            if time.monotonic() + pause > deadline:
                engine.dispose()
                raise DatabaseUnavailable(
                    f"the database did not answer within {seconds:g} s "
                    f"(AUTHSERVER_DB_WAIT_SECONDS): {message}") from None
            logger.warning("waiting for the database (attempt %d): %s", attempt, message)
            time.sleep(pause)
            pause = min(pause * 2, max_pause)


@cache
def code_heads(migrations_dir: str) -> frozenset[str]:
    """The head revision(s) of the migrations folder: read once per process."""
    return frozenset(ScriptDirectory(migrations_dir).get_heads())


def database_heads(connection: Connection) -> frozenset[str]:
    """The revision(s) stamped in the database; empty when it was never migrated."""
    return frozenset(MigrationContext.configure(connection).get_current_heads())
