"""/healthz and /readyz: readiness names what is missing (database, migrations, signing key)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from authserver import MIGRATIONS_DIR
from authserver.database import code_heads
from authserver.extensions import db
from tests.conftest import backends

#: the head this code ships (the tests must not go stale with every new migration)
(HEAD,) = code_heads(str(MIGRATIONS_DIR))


def readiness(http) -> tuple[int, dict]:
    response = http.get("/readyz")
    return response.status_code, response.json


def set_database_revision(app, statement: str) -> None:
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text(statement))


def test_liveness_says_ok(http):
    response = http.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


@backends
def test_ready_when_database_migrated_and_a_key_signs(http, keys_dir: Path):
    status, body = readiness(http)
    assert status == 200, body
    assert body["ready"] is True
    assert body["checks"] == {"database": True, "migrations": True, "signing_key": True}
    assert body["detail"]["signing_key"] == next(keys_dir.glob("*.json")).stem


@backends
def test_not_ready_when_the_database_is_behind_the_code(app, http):
    """RL-09: readiness stays false while migrations are pending."""
    set_database_revision(app, "UPDATE alembic_version SET version_num = '0001'")
    status, body = readiness(http)
    assert status == 503
    assert body["ready"] is False
    assert body["checks"] == {"database": True, "migrations": False, "signing_key": True}
    assert body["detail"]["migrations"] == (
        f"database at 0001, this code at {HEAD}: run `authserver init`")


@backends
def test_not_ready_when_the_database_was_never_migrated(app, http):
    set_database_revision(app, "DROP TABLE alembic_version")
    status, body = readiness(http)
    assert status == 503 and body["checks"]["migrations"] is False
    assert "never migrated" in body["detail"]["migrations"]
    set_database_revision(app, "CREATE TABLE alembic_version (version_num VARCHAR(32))")
    set_database_revision(app, f"INSERT INTO alembic_version VALUES ('{HEAD}')")
    assert readiness(http)[0] == 200  # migrated: ready again, no restart needed

