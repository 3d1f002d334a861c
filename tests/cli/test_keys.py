"""`authserver keys list|rotate`: state from timestamps; the next key waits out /jwks caches."""

from __future__ import annotations

import stat
import time
from datetime import datetime
from pathlib import Path

import pytest

from .conftest import Cli


def listed(cli: Cli) -> list[dict]:
    return cli.json("keys", "list")["keys"]


def test_list_shows_the_active_key(initialized: Cli, keys_dir: Path) -> None:
    (key,) = listed(initialized)
    assert key["kid"] == next(keys_dir.glob("*.json")).stem
    assert (key["alg"], key["size"], key["state"]) == ("RS256", 2048, "active")
    text = initialized.ok("keys", "list").output
    assert key["kid"] in text and "active" in text


def test_rotate_creates_a_next_key_activating_after_the_jwks_cache_time(
        initialized: Cli, keys_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHSERVER_JWKS_MAX_AGE", "600")
    (old,) = listed(initialized)
    rotated = initialized.json("keys", "rotate")

    keys = {k["kid"]: k for k in listed(initialized)}
    assert set(keys) == {old["kid"], rotated["kid"]}
    assert keys[old["kid"]]["state"] == "active"  # still signing until the next one activates
    new = keys[rotated["kid"]]
    assert new["state"] == "next" and new["size"] == 2048
    ahead = datetime.fromisoformat(new["activates"]) - datetime.fromisoformat(new["created"])
    assert ahead.total_seconds() == 600
    assert stat.S_IMODE((keys_dir / f"{new['kid']}.pem").stat().st_mode) == 0o600


def test_list_with_a_missing_folder_is_refused(initialized: Cli, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHSERVER_KEYS_DIR", str(tmp_path / "nowhere"))
    initialized.fails("keys", "list", words=("does not exist", "authserver init"))


def test_rotate_into_an_unwritable_place_is_refused(initialized: Cli, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("AUTHSERVER_KEYS_DIR", str(blocker / "keys"))
    initialized.fails("keys", "rotate", words=(str(blocker),))


def test_list_shows_when_each_key_changes_state(initialized: Cli, frozen_clock) -> None:
    (old,) = listed(initialized)
    assert old["retires"] is None and old["removes"] is None  # nothing scheduled after it
    rotated = initialized.json("keys", "rotate")
    keys = {k["kid"]: k for k in listed(initialized)}
    assert keys[old["kid"]]["retires"] == keys[rotated["kid"]]["activates"]
    retires = datetime.fromisoformat(keys[old["kid"]]["retires"])
    removes = datetime.fromisoformat(keys[old["kid"]]["removes"])
    assert (removes - retires).total_seconds() == 900 + 60  # access TTL + leeway
    header = initialized.ok("keys", "list").output.splitlines()[0].split()
    assert header == ["KID", "ALG", "SIZE", "STATE", "CREATED", "ACTIVATES", "RETIRES",
                      "REMOVES"]


def test_rotate_twice_is_refused(initialized: Cli) -> None:
    rotated = initialized.json("keys", "rotate")
    initialized.fails("keys", "rotate", words=(rotated["kid"], "already next", "retire"))


def test_retire_cancels_a_next_key(initialized: Cli) -> None:
    (old,) = listed(initialized)
    rotated = initialized.json("keys", "rotate")
    answer = initialized.json("keys", "retire", rotated["kid"])
    assert answer == {"kid": rotated["kid"], "was": "next", "signing": None}
    states = {k["kid"]: k["state"] for k in listed(initialized)}
    assert states == {old["kid"]: "active", rotated["kid"]: "retired"}
    initialized.ok("keys", "rotate")  # a new next key may now be made


def test_retire_the_active_key_hands_over_at_once(initialized: Cli) -> None:
    """The emergency path: `keys rotate`, then `keys retire OLD`: the new key signs now."""
    (old,) = listed(initialized)
    initialized.fails("keys", "retire", old["kid"], words=("only key", "keys rotate"))
    rotated = initialized.json("keys", "rotate")
    answer = initialized.json("keys", "retire", old["kid"])
    assert answer == {"kid": old["kid"], "was": "active", "signing": rotated["kid"]}
    states = {k["kid"]: k["state"] for k in listed(initialized)}
    assert states == {old["kid"]: "retired", rotated["kid"]: "active"}
    initialized.fails("keys", "retire", old["kid"], words=("already retired",))
    initialized.fails("keys", "retire", "no-such-kid", words=("no key",))


def test_prune_deletes_removed_keys_only(initialized: Cli, keys_dir: Path, frozen_clock,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    start = int(time.time())
    monkeypatch.setattr(frozen_clock, "now", lambda: start + frozen_clock.offset)  # no ticking
    (old,) = listed(initialized)
    rotated = initialized.json("keys", "rotate")
    assert initialized.json("keys", "prune") == {"removed": []}
    frozen_clock.offset += 3600 + 900 + 60 - 1  # publish delay, then the old key's retention
    assert initialized.json("keys", "prune") == {"removed": []}
    assert {k["kid"]: k["state"] for k in listed(initialized)}[old["kid"]] == "retired"
    frozen_clock.offset += 1
    assert initialized.ok("keys", "prune").output.strip() == f"removed key {old['kid']}"
    assert sorted(p.name for p in keys_dir.iterdir()) == [f"{rotated['kid']}.json",
                                                          f"{rotated['kid']}.pem"]
    assert [k["state"] for k in listed(initialized)] == ["active"]
