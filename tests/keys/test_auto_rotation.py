"""Automatic rotation (AUTHSERVER_KEY_ROTATION_DAYS): at start and at every reload check,
decided from the folder alone and created by exactly one instance, however many race."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from authserver import create_app
from authserver import keys as keys_module
from authserver.keys import KeyPolicy, KeyRing, create_key, load_keys
from authserver.keys import rotation as rotation_module
from authserver.keys.rotation import CLAIM_TIMEOUT, rotate_if_due

T0 = 1_800_000_000
#: ES256 keys: instant to generate, so a test can rotate dozens of times
POLICY = KeyPolicy(alg="ES256", publish_delay=10, rotation_period=50, retention=20)
MARGIN = keys_module.reload_interval(POLICY)  # 5 s


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "shared-keys"
    create_key(folder, T0, alg="ES256")
    return folder


def kids(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.json")}


def test_two_instances_agree_on_the_signing_key_at_every_second(folder: Path) -> None:
    """Two servers on one folder, one of them started later (its reload checks fall on other
    seconds), taking turns to go first: the same key signs on both, second by second, through
    six rotations; each key signs for exactly rotation_period and is published for at least
    publish_delay before."""
    first = KeyRing(folder, strict_mode=True, policy=POLICY)
    second = None
    signing: dict[int, str] = {}
    for now in range(T0, T0 + 320):
        if now == T0 + 3:
            second = KeyRing(folder, strict_mode=True, policy=POLICY)
        rings = [r for r in (first, second) if r is not None]
        if now % 2:
            rings.reverse()
        answers = {ring.active(now).kid for ring in rings}
        assert len(answers) == 1, f"instances disagree at T0+{now - T0}: {answers}"
        signing[now] = answers.pop()
        for ring in rings:
            published = {k["kid"] for k in json.loads(ring.jwks(now)[0])["keys"]}
            assert signing[now] in published

    keys = sorted(load_keys(folder, True), key=lambda k: k.activates_at)
    assert len(keys) == 7  # the first key and six successors, one each: no duplicates
    assert [k.activates_at - T0 for k in keys] == [0, 50, 100, 150, 200, 250, 300]
    for key in keys[1:]:
        assert key.activates_at - key.created_at >= POLICY.publish_delay
        assert next(s for s, kid in signing.items() if kid == key.kid) == key.activates_at
    assert not list(folder.glob("*.successor-2"))  # no claim was ever taken over


def _race(folder: str, barrier, results) -> None:
    barrier.wait()
    key = rotate_if_due(Path(folder), T0 + 35, POLICY, True, MARGIN)
    results.put(key.kid if key else None)


def test_racing_processes_create_one_successor(folder: Path) -> None:
    """Eight processes find rotation due at the same second: one creates the key."""
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(8), context.Queue()
    workers = [context.Process(target=_race, args=(str(folder), barrier, results))
               for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    created = [kid for kid in (results.get(timeout=5) for _ in workers) if kid]
    assert len(created) == 1
    assert len(kids(folder)) == 2
    (successor,) = [k for k in load_keys(folder, True) if k.kid == created[0]]
    assert successor.activates_at == T0 + 50


def test_an_abandoned_claim_is_taken_over(folder: Path) -> None:
    (old,) = kids(folder)
    claim = folder / f"{old}.successor-1"
    claim.write_text(f"{T0 + 44 - CLAIM_TIMEOUT} 4242\n")  # its creator died a minute ago
    assert rotate_if_due(folder, T0 + 45, POLICY, True, MARGIN) is not None
    assert (folder / f"{old}.successor-2").exists()


def test_a_fresh_claim_is_respected(folder: Path) -> None:
    (old,) = kids(folder)
    (folder / f"{old}.successor-1").write_text(f"{T0 + 44} 4242\n")  # being created now
    assert rotate_if_due(folder, T0 + 45, POLICY, True, MARGIN) is None
    assert len(kids(folder)) == 1


def test_not_due_before_the_period_minus_delay_and_margin(folder: Path) -> None:
    assert rotate_if_due(folder, T0 + 34, POLICY, True, MARGIN) is None
    assert rotate_if_due(folder, T0 + 35, POLICY, True, MARGIN) is not None


def test_zero_days_disables_rotation(folder: Path) -> None:
    never = KeyPolicy(alg="ES256", rotation_period=0)
    assert KeyRing(folder, True, never).rotate_if_due(T0 + 10**8) is None
    assert len(kids(folder)) == 1


def test_a_failed_rotation_keeps_the_server_signing(folder: Path, caplog,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(*_: object, **__: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(rotation_module, "create_key", read_only)
    ring = KeyRing(folder, True, POLICY)
    (old,) = kids(folder)
    assert ring.rotate_if_due(T0 + 45) is None
    assert ring.active(T0 + 60).kid == old
    assert "automatic key rotation failed" in caplog.text


def test_the_server_rotates_at_start(settings: dict, keys_dir: Path, stopped_clock) -> None:
    """The template key activated an hour ago; with a 10-minute period it is overdue: the
    successor appears at start and signs one /jwks max-age later."""
    (old,) = kids(keys_dir)
    app = create_app(settings | {"AUTHSERVER_KEY_ROTATION_DAYS": 600 / 86_400})
    (new,) = kids(keys_dir) - {old}
    ring = app.extensions["authserver.keys"]
    now = stopped_clock.now()
    assert ring.active(now).kid == old
    assert ring.find(new).activates_at == now + 3600
    assert ring.find(new).alg == "RS256"
