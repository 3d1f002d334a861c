"""The databases a bench runs on: a fresh SQLite file, or a fresh PostgreSQL schema that is
dropped afterwards (the same URL scheme as the test suite's, so one server serves both); and
the schemas node-oidc-provider stores its tokens in when it is measured on PostgreSQL."""

from __future__ import annotations

import ipaddress
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def libpq_url() -> str:
    """AUTHSERVER_TEST_DATABASE_URL as the tests use it (a libpq URL: node's driver takes it)."""
    return os.environ.get("AUTHSERVER_TEST_DATABASE_URL") or DEFAULT_POSTGRES


def postgres_url() -> str:
    """The same, with SQLAlchemy's psycopg driver."""
    return libpq_url().replace("postgresql://", "postgresql+psycopg://", 1)


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it answers on a loopback address."""
    url = postgres_url()
    if not _loopback(url):
        return f"not a loopback address: {urlsplit(url).hostname}"
    engine = create_engine(url, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return None
    except SQLAlchemyError as exc:
        return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    finally:
        engine.dispose()


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database for one bench run; yields its SQLAlchemy URL."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'authserver.db'}"
        return
    with fresh_schema() as schema:
        base = postgres_url()
        separator = "&" if "?" in base else "?"
        yield f"{base}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def fresh_schema() -> Iterator[str]:
    """A new, empty schema in the PostgreSQL database, dropped afterwards; yields its name."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url())
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
