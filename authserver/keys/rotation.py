"""Changing the key folder: rotation (by hand or automatic), retirement, pruning.

Automatic rotation is safe with several instances on one folder: whether a successor is due
follows from the folder's timestamps (so every instance reaches the same decision), and the
right to create it is a file created with O_EXCL whose name is derived from the active key,
`<kid>.successor-1`: exactly one instance creates it, the others pick the new key up at their
next reload. A claim whose key never appeared (its creator died) is taken over after
CLAIM_TIMEOUT seconds under the next number.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..audit import audit
from .files import (
    KeyFolderError,
    SigningKey,
    create_key,
    load_keys,
    remove_files,
    update_metadata,
    write_new,
)
from .lifecycle import KeyPolicy, Timeline, active, pending_successor, timelines

logger = logging.getLogger("authserver.keys")
CLAIM_TIMEOUT = 60  # seconds: generating a key takes a few at most, even RSA-4096


def successor_due(lines: list[Timeline], now: int, policy: KeyPolicy,
                  margin: int) -> Timeline | None:
    """The active key, when it needs a successor now and has none; otherwise None.

    Due `publish_delay + margin` seconds before the key has signed for `rotation_period`:
    instances look every `margin` seconds, so the first to look creates the successor in
    time to activate on the dot. Due at once when the key's alg is not the configured one.
    """
    current = active(lines, now)
    if policy.rotation_period <= 0 or current is None or pending_successor(lines, current):
        return None
    deadline = current.key.activates_at + policy.rotation_period
    if current.key.alg != policy.alg or now >= deadline - policy.publish_delay - margin:
        return current
    return None


def create_next(keys_dir: Path, now: int, policy: KeyPolicy,
                activates_at: int | None = None) -> SigningKey:
    """A new key, published at once, signing after the publish delay (or later)."""
    start = now + policy.publish_delay
    key = create_key(keys_dir, now, activates_at=max(start, activates_at or start),
                     size=policy.rsa_bits, alg=policy.alg)
    audit("key.rotated", kid=key.kid, alg=key.alg, activates_at=key.activates_at)
    return key


def rotate_if_due(keys_dir: Path, now: int, policy: KeyPolicy, strict_mode: bool,
                  margin: int) -> SigningKey | None:
    """Create the active key's successor if it is due and this process wins the claim."""
    def due() -> Timeline | None:
        try:
            lines = timelines(load_keys(keys_dir, strict_mode), policy.retention)
        except KeyFolderError:
            return None  # most likely a key half-written by the instance that won the race
        return successor_due(lines, now, policy, margin)

    current = due()
    if current is None or not _claim_successor(keys_dir, current.key.kid, now):
        return None
    if due() is None:  # the claim is ours, but a slow creator's key landed meanwhile
        return None
    on_time = current.key.activates_at + policy.rotation_period
    key = create_next(keys_dir, now, policy,
                      activates_at=on_time if current.key.alg == policy.alg else None)
    logger.info("rotated signing key: %s signs from %s, after %s", key.kid, key.activates_at,
                current.key.kid)
    return key


def _claim_successor(keys_dir: Path, kid: str, now: int) -> bool:
    attempt = 1
    while True:
        claim = keys_dir / f"{kid}.successor-{attempt}"
        try:
            write_new(claim, f"{now} {os.getpid()}\n".encode(), 0o644)
            return True
        except FileExistsError:
            if not _abandoned(claim, now):
                return False
        attempt += 1


def _abandoned(claim: Path, now: int) -> bool:
    try:
        claimed_at = int(claim.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False  # being written this very moment
    return now - claimed_at > CLAIM_TIMEOUT


def retire(keys_dir: Path, kid: str, now: int, policy: KeyPolicy,
           strict_mode: bool) -> tuple[str, SigningKey | None]:
    """Stop signing with `kid` now; it stays published until its tokens have expired.

    A next key is cancelled (it never signs). The active key hands over to its successor at
    once, which therefore must exist (`keys rotate` first); returns the state `kid` was in and
    the key that signs from now on, if it changed.
    """
    lines = timelines(load_keys(keys_dir, strict_mode), policy.retention)
    line = next((line for line in lines if line.key.kid == kid), None)
    if line is None:
        raise KeyFolderError(f"no key {kid!r} in {keys_dir}")
    state = line.state(now)
    if state in ("retired", "removed"):
        raise KeyFolderError(f"key {kid} is already {state}")
    if state == "next":
        update_metadata(keys_dir, kid, retires_at=now)
        audit("key.retired", kid=kid, was=state)
        return state, None
    successor = pending_successor(lines, line)
    if successor is None:
        raise KeyFolderError(f"key {kid} is the only key that can sign: run `authserver keys "
                             f"rotate` first, then retire it")
    update_metadata(keys_dir, successor.key.kid, activates_at=now)
    update_metadata(keys_dir, kid, retires_at=now)
    audit("key.retired", kid=kid, was=state, signing=successor.key.kid)
    return state, successor.key


def prune(keys_dir: Path, now: int, policy: KeyPolicy, strict_mode: bool) -> list[str]:
    """Delete the files of every removed key (for `keys prune` and `purge`)."""
    lines = timelines(load_keys(keys_dir, strict_mode), policy.retention)
    removed = [line.key.kid for line in lines if line.state(now) == "removed"]
    for kid in removed:
        remove_files(keys_dir, kid)
        audit("key.pruned", kid=kid)
    return removed
