"""SQLite's WAL checkpoints in a thread of each worker, not on the request that fills the WAL.

SQLite copies the WAL back into the database file (a checkpoint: the page copies and an fsync)
on the commit that takes the WAL past 1,000 pages, and that request waits for it: under `make
bench` on SQLite, refresh_token's p99 was 26-30 ms against a p50 of 12. Under `authserver
serve` each worker instead runs a PASSIVE checkpoint every AUTHSERVER_SQLITE_CHECKPOINT_SECONDS
in a thread of its own: it never takes the write lock and waits for the disk without the GIL.

The WAL is rewound only by a writer that finds every frame copied back. Under writes that never
pause (a saturating refresh load) each checkpoint ends with new frames behind it, so the WAL
keeps growing although the thread keeps the database file current; the requests' own automatic
checkpoint is what rewinds it then, at BACKSTOP_PAGES, and that commit waits for the copy of
the last frames and two fsyncs (5-40 ms on a plain disk) with every queued request behind it.
At 10,000 pages that was every 2-3 s of such a load and refresh_token's p99 was 25-36 ms; at
50,000 (a WAL of up to 200 MB, only under such a load: any pause lets the next writer rewind
it) it is every 9 s or more, and p99 11.8-19 ms (README, Performance). SQLite keeps the WAL
file at its largest after that; the thread cuts it to nothing once the writes pause.

SQLite syncs the database file only after a checkpoint that ends with no new frame behind it,
which under such a load none of the thread's does: the pages it copied stayed dirty in the
page cache until that backstop checkpoint synced them all at once, in a request. With a
million refresh tokens they are scattered over the file: that request took 100-125 ms, every
5 s, in a burst of 12,000-15,000 disk writes a second, and refresh_token's p99 was 21-33 ms.
So the thread syncs the database file itself after every pass that copied pages
(_write_back): they go to disk as they are copied, and p99 9-12 ms (README, Performance).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger("authserver")
#: WAL pages at which a committing request checkpoints after all (200 MB of 4 KB pages)
BACKSTOP_PAGES = 50_000
#: a WAL file larger than this is cut to nothing once the writes pause (SQLite otherwise keeps
#: it at its largest: up to BACKSTOP_PAGES after a burst)
WAL_KEPT_BYTES = 64 * 1024 * 1024


@dataclass
class Checkpoints:
    """The running thread; stop() ends it (the process exiting ends it too: a daemon)."""

    thread: threading.Thread
    stopping: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()


def checkpoint_in_background(engine: Engine, seconds: float) -> Checkpoints | None:
    """Start the thread for a SQLite database file (not before a fork: threads do not survive
    one), and raise the requests' checkpoint to the backstop on every connection opened from
    now on. None when there is nothing to do: another database, or `seconds` is 0."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not seconds or not database or database == ":memory:":
        return None
    event.listen(engine, "connect", _backstop)
    stopping = threading.Event()
    thread = threading.Thread(target=_checkpoint_every, args=(database, seconds, stopping),
                              name="sqlite-checkpoints", daemon=True)
    checkpoints = Checkpoints(thread, stopping)
    thread.start()
    return checkpoints


def _backstop(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")


def _checkpoint_every(database: str, seconds: float, stopping: threading.Event) -> None:
    connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    failing = False
    frames_before = copied_before = None
    try:
        while not stopping.wait(seconds):
            try:
                _busy, frames, copied = connection.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if copied > 0 and copied != copied_before:
                    _write_back(database)
                if _quiet_and_large(frames, copied, frames_before, _wal_bytes(database)):
                    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                frames_before, copied_before = frames, copied
                failing = False
            except (sqlite3.Error, OSError) as exc:
                if not failing:  # once per run of failures, not four lines a second
                    log.warning("SQLite WAL checkpoint failed (the requests' own checkpoint "
                                "remains at %s pages): %s", BACKSTOP_PAGES, exc)
                failing = True
    finally:
        connection.close()


def _write_back(database: str) -> None:
    """The pages a pass copied into the database file, to disk now (module docstring): a
    pass that took the WAL to its end has had SQLite sync them already, and then there is
    nothing left to write. fdatasync where there is one (Linux), fsync elsewhere."""
    descriptor = os.open(database, os.O_RDONLY)
    try:
        getattr(os, "fdatasync", os.fsync)(descriptor)
    finally:
        os.close(descriptor)


def _quiet_and_large(frames: int, copied: int, frames_before: int | None,
                     wal_bytes: int) -> bool:
    """Whether to cut the WAL file to nothing: nothing written since the last pass (the WAL
    holds as many frames), all of it copied back, and the file past WAL_KEPT_BYTES. TRUNCATE
    waits for a writer and holds the next one for its fsync, so only in such a pause: under
    writes that never pause, truncating and regrowing the file brought refresh_token's p99
    to ~50 ms."""
    return frames == copied == frames_before and wal_bytes > WAL_KEPT_BYTES


def _wal_bytes(database: str) -> int:
    try:
        return os.path.getsize(f"{database}-wal")
    except OSError:
        return 0

