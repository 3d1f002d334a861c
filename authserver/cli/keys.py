"""`authserver keys ...`"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..clock import clock
from ..config import is_production
from ..keys import KeyFolderError, create_key, load_keys
from .output import emit, json_option, table


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


@click.group()
def keys() -> None:
    """Manage signing keys."""


@keys.command("list")
@json_option
@with_appcontext
def list_keys(as_json: bool) -> None:
    """Show every key with its state."""
    config = current_app.config
    try:
        found = load_keys(Path(config["AUTHSERVER_KEYS_DIR"]), is_production(config))
    except KeyFolderError as exc:
        raise click.ClickException(str(exc)) from None
    now = clock.now()
    activated = [k for k in found if k.activates_at <= now]
    active_kid = activated[-1].kid if activated else None
    data = [{"kid": k.kid, "alg": k.alg, "size": k.size, "state": k.state(now, active_kid),
             "created": _iso(k.created_at), "activates": _iso(k.activates_at)} for k in found]
    emit({"keys": data}, as_json,
         table([list(d.values()) for d in data],
               ("KID", "ALG", "SIZE", "STATE", "CREATED", "ACTIVATES")))


@keys.command("rotate")
@json_option
@with_appcontext
def rotate(as_json: bool) -> None:
    """Create the next key: published now, signing once /jwks caches have seen it."""
    config = current_app.config
    now = clock.now()
    key = create_key(Path(config["AUTHSERVER_KEYS_DIR"]), now,
                     activates_at=now + config["AUTHSERVER_JWKS_MAX_AGE"],
                     size=config["AUTHSERVER_KEY_SIZE"])
    emit({"kid": key.kid, "activates": _iso(key.activates_at)}, as_json,
         f"created key {key.kid}; it signs from {_iso(key.activates_at)}")
