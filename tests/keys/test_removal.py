"""Removing a key (`keys prune`, `purge`) is all-or-nothing for every reader of the folder,
also when it is interrupted or when every instance prunes at once from cron."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from authserver.keys import create_key, load_keys
from authserver.keys.files import remove_files


def two_keys(folder: Path) -> tuple[str, str]:
    kept = create_key(folder, now=1_000)
    removed = create_key(folder, now=2_000)
    return kept.kid, removed.kid


def test_a_removal_interrupted_after_the_tombstone_is_finished_by_the_next_load(
        tmp_path: Path) -> None:
    kept, removed = two_keys(tmp_path)
    # the state a crash leaves between the rename and the private key's deletion
    os.replace(tmp_path / f"{removed}.json", tmp_path / f"{removed}.removed")
    assert [key.kid for key in load_keys(tmp_path, strict_mode=True)] == [kept]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{kept}.json", f"{kept}.pem"]


def test_a_lone_tombstone_is_cleared_and_never_blocks_start(tmp_path: Path) -> None:
    kept, removed = two_keys(tmp_path)
    os.replace(tmp_path / f"{removed}.json", tmp_path / f"{removed}.removed")
    (tmp_path / f"{removed}.pem").unlink()
    assert [key.kid for key in load_keys(tmp_path, strict_mode=True)] == [kept]
    assert not list(tmp_path.glob("*.removed"))


def test_readers_never_see_half_a_key_while_several_processes_remove_it(tmp_path: Path) -> None:
    kept, removed = two_keys(tmp_path)
    seen: list[list[str]] = []
    errors: list[Exception] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.append([key.kid for key in load_keys(tmp_path, strict_mode=True)])
            except Exception as exc:
                errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    removers = [threading.Thread(target=remove_files, args=(tmp_path, removed))
                for _ in range(4)]
    for thread in removers:
        thread.start()
    for thread in removers:
        thread.join()
    stop.set()
    reader.join()
    assert errors == []
    assert {tuple(kids) for kids in seen} <= {(kept,), tuple(sorted([kept, removed]))}
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{kept}.json", f"{kept}.pem"]
