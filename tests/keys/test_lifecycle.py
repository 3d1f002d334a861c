"""Key states follow from timestamps alone (DESIGN "Signing keys"): next -> active ->
retired -> removed, the same answer for anyone who reads the same folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from authserver.keys import KeyPolicy, create_key, load_keys
from authserver.keys.files import update_metadata
from authserver.keys.lifecycle import active, published, timelines

T0 = 1_800_000_000
RETENTION = 100  # access token TTL + leeway


@pytest.fixture
def folder(keys_dir: Path) -> Path:
    """The template key, restamped to have been created and activated at T0."""
    (meta,) = keys_dir.glob("*.json")
    update_metadata(keys_dir, meta.stem, created_at=T0, activates_at=T0)
    return keys_dir


def successor(folder: Path, created_at: int, activates_at: int) -> str:
    """A new key (ES256: instant to generate; the alg plays no part in the timeline)."""
    return create_key(folder, created_at, activates_at=activates_at, alg="ES256").kid


def states(folder: Path, now: int) -> dict[str, str]:
    return {line.key.kid: line.state(now)
            for line in timelines(load_keys(folder, False), RETENTION)}


def test_one_key_is_active_for_ever(folder: Path) -> None:
    (line,) = timelines(load_keys(folder, False), RETENTION)
    assert (line.retires_at, line.removes_at) == (None, None)
    assert line.state(T0) == "active" and line.state(T0 + 10**9) == "active"
    assert line.state(T0 - 1) == "next"


def test_a_successor_walks_the_old_key_through_every_state(folder: Path) -> None:
    (old,) = (line.key.kid for line in timelines(load_keys(folder, False), RETENTION))
    new = successor(folder, T0 + 50, T0 + 80)
    assert states(folder, T0 + 50) == {old: "active", new: "next"}
    assert states(folder, T0 + 79) == {old: "active", new: "next"}
    assert states(folder, T0 + 80) == {old: "retired", new: "active"}
    assert states(folder, T0 + 80 + RETENTION - 1) == {old: "retired", new: "active"}
    assert states(folder, T0 + 80 + RETENTION) == {old: "removed", new: "active"}

    lines = timelines(load_keys(folder, False), RETENTION)
    assert [k.kid for k in published(lines, T0 + 60)] == [old, new]  # next is published
    assert [k.kid for k in published(lines, T0 + 180)] == [new]
    assert active(lines, T0 + 79).key.kid == old and active(lines, T0 + 80).key.kid == new


def test_exactly_one_key_signs_at_every_second(folder: Path) -> None:
    successor(folder, T0 + 10, T0 + 20)
    successor(folder, T0 + 25, T0 + 40)
    successor(folder, T0 + 26, T0 + 40)  # a tie: decided by created_at
    lines = timelines(load_keys(folder, False), RETENTION)
    for now in range(T0, T0 + 300):
        assert sum(line.state(now) == "active" for line in lines) == 1, now
    tied = sorted((line for line in lines if line.key.activates_at == T0 + 40),
                  key=lambda line: line.key.created_at)
    assert tied[0].state(T0 + 40) == "retired"  # never signed, published for its retention
    assert tied[1].state(T0 + 40) == "active"


def test_a_cancelled_next_key_never_signs(folder: Path) -> None:
    old = load_keys(folder, False)[0].kid
    new = successor(folder, T0 + 10, T0 + 20)
    update_metadata(folder, new, retires_at=T0 + 15)
    assert states(folder, T0 + 16) == {old: "active", new: "retired"}
    assert states(folder, T0 + 25) == {old: "active", new: "retired"}
    assert states(folder, T0 + 15 + RETENTION) == {old: "active", new: "removed"}


def test_policy_from_settings() -> None:
    policy = KeyPolicy.from_config({
        "AUTHSERVER_ACCESS_TOKEN_ALG": "ES256", "AUTHSERVER_KEY_SIZE": 3072,
        "AUTHSERVER_JWKS_MAX_AGE": 600, "AUTHSERVER_KEY_ROTATION_DAYS": 0.5,
        "AUTHSERVER_ACCESS_TOKEN_TTL": 900, "AUTHSERVER_KEY_RETENTION_LEEWAY": 60})
    assert policy == KeyPolicy(alg="ES256", rsa_bits=3072, publish_delay=600,
                               rotation_period=43_200, retention=960)
