"""Liveness and readiness for load balancers and orchestrators.

/healthz: the process answers. /readyz: this instance can serve tokens now: the database
answers, its schema is at the head of this code's migrations (compared with the head read
once at start), and a signing key is active. 503 with the failing check named otherwise.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from ..clock import clock
from ..database import code_heads, database_heads
from ..extensions import db
from ..keys import KeyFolderError

bp = Blueprint("health", __name__)


@bp.record_once
def _read_code_heads(state) -> None:
    app: Flask = state.app
    app.extensions["authserver.code_heads"] = code_heads(app.config["AUTHSERVER_MIGRATIONS_DIR"])


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    checks = {"database": False, "migrations": False, "signing_key": False}
    detail: dict[str, str] = {}
    expected = current_app.extensions["authserver.code_heads"]
    try:
        found = database_heads(db.session.connection())
        checks["database"] = True
        checks["migrations"] = found == expected
        if not checks["migrations"]:
            detail["migrations"] = (f"database at {_revisions(found)}, this code at "
                                    f"{_revisions(expected)}: run `authserver init`")
    except SQLAlchemyError:
        db.session.rollback()
        detail["database"] = "unreachable"
    try:
        key = current_app.extensions["authserver.keys"].active(clock.now())
        checks["signing_key"] = True
        detail["signing_key"] = key.kid
    except KeyFolderError as exc:
        detail["signing_key"] = str(exc)
    ready = all(checks.values())
    return jsonify(ready=ready, checks=checks, detail=detail), 200 if ready else 503


def _revisions(heads: frozenset[str]) -> str:
    return ", ".join(sorted(heads)) or "no revision (never migrated)"
