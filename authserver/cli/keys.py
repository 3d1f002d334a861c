"""`authserver keys list|rotate|retire|prune`: the key lifecycle, by hand."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..clock import clock
from ..config import is_production
from ..keys import KeyFolderError, KeyPolicy, load_keys, reload_interval
from ..keys.lifecycle import Timeline, active, pending_successor, timelines
from ..keys.rotation import create_next, prune, retire
from .output import emit, json_option, table


def _iso(ts: int | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def _folder() -> tuple[Path, KeyPolicy, bool]:
    """The key folder, the key policy and whether to load strictly, from the settings."""
    config = current_app.config
    policy = KeyPolicy.from_config(config)
    return Path(config["AUTHSERVER_KEYS_DIR"]), policy, is_production(config)


def _timelines(keys_dir: Path, policy: KeyPolicy, strict: bool) -> list[Timeline]:
    try:
        return timelines(load_keys(keys_dir, strict), policy.retention)
    except KeyFolderError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def keys() -> None:
    """Manage signing keys: next -> active -> retired -> removed."""


@keys.command("list")
@json_option
@with_appcontext
def list_keys(as_json: bool) -> None:
    """Show every key with its state and the times it changes state."""
    now = clock.now()
    data = [{"kid": line.key.kid, "alg": line.key.alg, "size": line.key.size,
             "state": line.state(now), "created": _iso(line.key.created_at),
             "activates": _iso(line.key.activates_at), "retires": _iso(line.retires_at),
             "removes": _iso(line.removes_at)}
            for line in _timelines(*_folder())]
    emit({"keys": data}, as_json,
         table([[value or "-" for value in d.values()] for d in data],
               ("KID", "ALG", "SIZE", "STATE", "CREATED", "ACTIVATES", "RETIRES", "REMOVES")))


@keys.command("rotate")
@json_option
@with_appcontext
def rotate(as_json: bool) -> None:
    """Create the next key: published now, signing once /jwks caches have seen it."""
    keys_dir, policy, strict = _folder()
    now = clock.now()
    if keys_dir.is_dir() and any(keys_dir.glob("*.json")):
        lines = _timelines(keys_dir, policy, strict)
        current = active(lines, now)
        waiting = pending_successor(lines, current) if current else None
        if waiting is not None:
            raise click.ClickException(
                f"key {waiting.key.kid} is already next (signs from "
                f"{_iso(waiting.key.activates_at)}); `authserver keys retire` it to replace it")
    key = create_next(keys_dir, now, policy)
    emit({"kid": key.kid, "alg": key.alg, "activates": _iso(key.activates_at)}, as_json,
         f"created key {key.kid} ({key.alg}); it signs from {_iso(key.activates_at)}")


@keys.command("retire")
@click.argument("kid")
@json_option
@with_appcontext
def retire_key(kid: str, as_json: bool) -> None:
    """Stop signing with KID now; it stays published until its tokens have expired.

    A next key is cancelled. The active key hands over to the next key at once: resource
    servers that cached /jwks before the next key appeared and do not refetch on an unknown
    kid reject new tokens until their cache expires. Meant for a suspected key leak.
    """
    keys_dir, policy, strict = _folder()
    try:
        was, successor = retire(keys_dir, kid, clock.now(), policy, strict)
    except KeyFolderError as exc:
        raise click.ClickException(str(exc)) from None
    text = f"retired {was} key {kid}"
    if successor is not None:
        text += (f"; {successor.kid} signs from now on (running servers switch within "
                 f"{reload_interval(policy)} s)")
    emit({"kid": kid, "was": was, "signing": successor.kid if successor else None}, as_json,
         text)


@keys.command("prune")
@json_option
@with_appcontext
def prune_keys(as_json: bool) -> None:
    """Delete removed keys: retired, and every token they signed has expired."""
    removed = prune_removed_keys()
    emit({"removed": removed}, as_json,
         "\n".join(f"removed key {kid}" for kid in removed) or "nothing to remove")


def prune_removed_keys() -> list[str]:
    """Delete the removed keys; for `keys prune` and `purge`.

    Another instance may be pruning the same folder at this moment (purge runs from cron on
    every instance): a folder caught half-pruned is read again once before giving up.
    """
    keys_dir, policy, strict = _folder()
    for attempt in (1, 2):
        try:
            return prune(keys_dir, clock.now(), policy, strict)
        except KeyFolderError as exc:
            if attempt == 2:
                raise click.ClickException(str(exc)) from None
            time.sleep(1)
    return []
