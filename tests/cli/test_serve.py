"""`authserver serve`: granian by default, gunicorn on request; threads per worker follow the
database (SQLite serialises writers; PostgreSQL commits wait on the WAL flush, one thread per
pooled connection)."""

from __future__ import annotations

from click.testing import CliRunner

from authserver.cli import main
from authserver.cli.serve import RUNNERS, default_threads
from tests.conftest import backends


def test_serve_offers_both_servers_and_a_thread_count() -> None:
    shown = CliRunner().invoke(main, ["serve", "--help"]).output
    assert "granian|gunicorn" in shown and "--threads" in shown
    assert set(RUNNERS) == {"granian", "gunicorn"}


@backends
def test_threads_default_to_one_on_sqlite_and_the_pool_size_on_postgresql(app) -> None:
    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    assert default_threads(app) == (1 if sqlite else app.config["AUTHSERVER_DB_POOL_SIZE"])
