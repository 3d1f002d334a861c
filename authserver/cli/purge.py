"""`authserver purge`: delete what has expired; meant for cron, on every instance at once."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..audit import audit
from ..clock import clock
from ..purge import DEFAULT_BATCH_SIZE, purge
from .keys import prune_removed_keys
from .output import emit, json_option


@click.command("purge")
@click.option("--batch-size", default=DEFAULT_BATCH_SIZE, show_default=True,
              type=click.IntRange(1, 100_000), help="Rows deleted per transaction.")
@click.option("--skip-keys", is_flag=True,
              help="Leave the signing keys alone (this host does not mount the key folder).")
@json_option
@with_appcontext
def purge_command(batch_size: int, skip_keys: bool, as_json: bool) -> None:
    """Delete expired access-token denylist entries, token families past their absolute
    expiry (with their refresh tokens) and removed signing keys, in batches."""
    deleted = purge(clock.now(), batch_size)
    removed = [] if skip_keys else prune_removed_keys()
    audit("purge.completed", **deleted, signing_keys=len(removed))
    lines = [f"deleted {count} {name} row(s)" for name, count in deleted.items()]
    lines += [f"removed signing key {kid}" for kid in removed]
    emit({"deleted": dict(deleted), "removed_keys": removed}, as_json, "\n".join(lines))
