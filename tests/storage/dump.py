"""Read back everything the database holds, for "nothing changed" and "nothing in clear" checks."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import MetaData, select

from authserver.extensions import db


def dump_tables(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table in the database (reflected, not only our models), in key order."""
    with app.app_context():
        metadata = MetaData()
        metadata.reflect(bind=db.engine)
        with db.engine.connect() as connection:
            return {
                table.name: [tuple(row) for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in metadata.sorted_tables
            }


def row_counts(dump: dict[str, list[tuple]]) -> dict[str, int]:
    return {name: len(rows) for name, rows in dump.items()}
