"""`authserver keys list|rotate`: state from timestamps; the next key waits out /jwks caches."""

from __future__ import annotations

import stat
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
