"""Printing for people and, with --json, for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


def emit(data: object, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2) if as_json else text)


def table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                     for row in cells)
