"""SQLite's WAL checkpoints run in a thread of each `authserver serve` worker
(sqlite_checkpoints.py), not on the request whose commit fills the WAL."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from authserver import sqlite_checkpoints
from authserver.cli.serve import _forked
from authserver.extensions import db, tune_sqlite
from authserver.sqlite_checkpoints import BACKSTOP_PAGES, checkpoint_in_background
from tests.conftest import PG_URL

ROWS, ROW_BYTES = 200, 8192  # ~400 WAL pages: below SQLite's own 1,000-page checkpoint


def sqlite_engine(path: Path):
    engine = create_engine(f"sqlite:///{path}")
    tune_sqlite(engine)  # WAL, as the server runs it
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE blob (data BLOB)"))
    return engine


def write_rows(engine) -> None:
    for _ in range(ROWS):
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO blob VALUES (randomblob(:n))"),
                               {"n": ROW_BYTES})


def wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def running(tmp_path):
    """A WAL database and its checkpoint thread, passing every 0.01 s; stopped afterwards."""
    path = tmp_path / "a.db"
    engine = sqlite_engine(path)
    engine.dispose()  # as a new worker: connections opened from now on get the backstop
    checkpoints = checkpoint_in_background(engine, 0.01)
    yield path, engine, checkpoints
    checkpoints.stop()


def test_the_thread_copies_the_wal_into_the_database(running):
    path, engine, checkpoints = running
    write_rows(engine)
    # the rows reach the database file itself: only a checkpoint puts them there
    assert wait_for(lambda: path.stat().st_size > ROWS * ROW_BYTES)
    checkpoints.stop()
    assert not checkpoints.thread.is_alive()


@pytest.fixture
def synced(monkeypatch) -> list[int]:
    """The inodes of the files the thread syncs itself (SQLite's own syncs are not Python's)."""
    inodes: list[int] = []
    sync = getattr(os, "fdatasync", os.fsync)

    def recorded(descriptor: int) -> None:
        inodes.append(os.fstat(descriptor).st_ino)
        sync(descriptor)

    monkeypatch.setattr(os, "fdatasync", recorded, raising=False)
    return inodes


def settled(synced: list[int], quiet_seconds: float = 0.1) -> int:
    """How many syncs there were once none came for quiet_seconds (ten passes)."""
    count = -1
    while count != len(synced):
        count = len(synced)
        time.sleep(quiet_seconds)
    return count


def test_the_pages_a_pass_copies_are_synced_to_disk(running, synced):
    """SQLite syncs the database file only after a checkpoint with no new frame behind it,
    which under writes that never pause none is: the thread syncs it after each pass that
    copied pages, and not after one that copied nothing."""
    path, engine, checkpoints = running
    write_rows(engine)
    assert wait_for(lambda: path.stat().st_size > ROWS * ROW_BYTES)  # all copied back
    assert path.stat().st_ino in synced
    after_the_writes = settled(synced)  # the last frames copied: passes copy nothing now
    time.sleep(0.2)
    assert len(synced) == after_the_writes and checkpoints.thread.is_alive()
    assert set(synced) == {path.stat().st_ino}


def test_a_failing_sync_is_logged_and_the_thread_goes_on(running, monkeypatch, caplog):
    """Like a failing checkpoint (test_a_failing_checkpoint_is_logged_once_...): a warning,
    and the next passes still copy the WAL back."""
    failed: list[int] = []

    def failing(descriptor: int) -> None:
        failed.append(descriptor)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fdatasync", failing, raising=False)
    path, engine, checkpoints = running
    write_rows(engine)
    assert wait_for(lambda: path.stat().st_size > ROWS * ROW_BYTES)  # copied all the same
    assert failed
    assert checkpoints.thread.is_alive()
    checkpoints.stop()
    warnings = [r.getMessage() for r in caplog.records if "WAL checkpoint failed" in r.getMessage()]
    assert warnings and all("Input/output error" in message for message in warnings)


def test_without_the_thread_the_requests_keep_the_wal_to_the_backstop(tmp_path):
    """The control: the same writes, nobody checkpointing below BACKSTOP_PAGES."""
    path = tmp_path / "a.db"
    engine = sqlite_engine(path)
    engine.dispose()
    checkpoints = checkpoint_in_background(engine, 3600)  # never wakes during the test
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == (
                BACKSTOP_PAGES)
        write_rows(engine)
        assert path.stat().st_size < ROWS * ROW_BYTES / 10
    finally:
        checkpoints.stop()


def test_a_large_wal_is_cut_once_the_writes_pause(running, monkeypatch):
    """After a burst the WAL file does not stay at its largest: once a pass finds nothing
    written since the one before and everything copied back, the thread truncates it."""
    monkeypatch.setattr(sqlite_checkpoints, "WAL_KEPT_BYTES", 64 * 1024)
    path, engine, _checkpoints = running
    wal = path.with_name("a.db-wal")
    write_rows(engine)  # the burst: ~400 pages
    assert wait_for(lambda: wal.exists() and wal.stat().st_size == 0)
    with engine.begin() as connection:  # still a working database
        connection.execute(text("INSERT INTO blob VALUES (randomblob(10))"))
        assert connection.execute(text("SELECT count(*) FROM blob")).scalar() == ROWS + 1


BIG = sqlite_checkpoints.WAL_KEPT_BYTES + 1


@pytest.mark.parametrize("frames,copied,frames_before,wal_bytes,cut", [
    (500, 500, 500, BIG, True),
    (500, 500, 480, BIG, False),   # written since the last pass: the writes go on
    (500, 480, 500, BIG, False),   # not all copied back yet
    (500, 500, None, BIG, False),  # the first pass
    (500, 500, 500, sqlite_checkpoints.WAL_KEPT_BYTES, False),
])
def test_the_wal_is_cut_only_in_a_pause_and_past_its_bound(frames, copied, frames_before,
                                                           wal_bytes, cut):
    assert sqlite_checkpoints._quiet_and_large(frames, copied, frames_before, wal_bytes) is cut


def test_a_wal_under_the_bound_is_left_alone(running):
    path, engine, _checkpoints = running
    write_rows(engine)
    assert wait_for(lambda: path.stat().st_size > ROWS * ROW_BYTES)  # copied back
    time.sleep(0.1)  # several quiet passes
    assert path.with_name("a.db-wal").stat().st_size > 0


@pytest.mark.parametrize("url,seconds", [("sqlite:///{tmp}/a.db", 0), ("sqlite://", 0.25)])
def test_nothing_to_run(tmp_path, url, seconds):
    engine = create_engine(url.format(tmp=tmp_path))
    assert checkpoint_in_background(engine, seconds) is None


@pytest.mark.skipif(not PG_URL, reason="needs AUTHSERVER_TEST_DATABASE_URL")
def test_nothing_to_run_on_postgresql():
    assert checkpoint_in_background(create_engine(PG_URL), 0.25) is None


def test_a_served_worker_starts_it_on_sqlite(app):
    _forked(app)
    checkpoints = app.extensions["authserver.sqlite_checkpoints"]
    try:
        with app.app_context():
            if db.engine.dialect.name != "sqlite":
                assert checkpoints is None
                return
            assert checkpoints.thread.is_alive()
            assert db.session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == (
                BACKSTOP_PAGES)
            db.session.rollback()
    finally:
        if checkpoints:
            checkpoints.stop()


def test_a_failing_checkpoint_is_logged_once_and_the_thread_goes_on(tmp_path, caplog):
    not_a_database = tmp_path / "a.db"
    not_a_database.write_bytes(b"this is not a database file" * 200)
    checkpoints = checkpoint_in_background(create_engine(f"sqlite:///{not_a_database}"), 0.01)
    try:
        time.sleep(0.2)  # many failed checkpoints
        assert checkpoints.thread.is_alive()
    finally:
        checkpoints.stop()
    warnings = [r for r in caplog.records if "WAL checkpoint failed" in r.getMessage()]
    assert len(warnings) == 1
    assert "not a database" in warnings[0].getMessage()
