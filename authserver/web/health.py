"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..clock import clock
from ..extensions import db
from ..keys import KeyFolderError

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    checks = {"database": False, "signing_key": False}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = True
    except SQLAlchemyError:
        db.session.rollback()
    try:
        current_app.extensions["authserver.keys"].active(clock.now())
        checks["signing_key"] = True
    except KeyFolderError:
        pass
    ready = all(checks.values())
    return jsonify(ready=ready, checks=checks), 200 if ready else 503
