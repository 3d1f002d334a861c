"""RL-03: nothing is answered before the commit, and a failed commit leaves nothing behind."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from authserver.extensions import db
from authserver.models import RefreshToken, TokenFamily
from tests.conftest import backends


def fail_next_commit(monkeypatch) -> None:
    real_commit = db.session.commit

    def commit() -> None:
        monkeypatch.setattr(db.session, "commit", real_commit)
        raise OperationalError("COMMIT", {}, Exception("connection lost"))

    monkeypatch.setattr(db.session, "commit", commit)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@backends
def test_failed_commit_on_login_stores_nothing(app, tokens, spa, alice, monkeypatch):
    fail_next_commit(monkeypatch)
    response = tokens.login(spa)
    assert response.status_code == 503
    assert response.json["error"] == "server_error"
    assert "access_token" not in response.json
    assert count(app, TokenFamily) == 0 and count(app, RefreshToken) == 0


@backends
def test_failed_commit_on_refresh_leaves_the_token_usable(app, tokens, spa, alice, monkeypatch):
    """(a) killed before the commit: the client's retry with the same token succeeds."""
    login = tokens.login(spa).json
    fail_next_commit(monkeypatch)
    lost = tokens.refresh(spa, login["refresh_token"])
    assert lost.status_code == 503 and "refresh_token" not in lost.json
    assert count(app, RefreshToken) == 1
    retry = tokens.refresh(spa, login["refresh_token"])
    assert retry.status_code == 200
    assert tokens.refresh(spa, retry.json["refresh_token"]).status_code == 200


@backends
def test_lost_response_after_commit_is_retried_inside_the_grace_window(tokens, spa, alice):
    """(b) committed but never received: the retry gets the same successor, not a new branch."""
    login = tokens.login(spa).json
    committed = tokens.refresh(spa, login["refresh_token"]).json  # imagine this answer lost
    retry = tokens.refresh(spa, login["refresh_token"])
    assert retry.status_code == 200
    assert retry.json["refresh_token"] == committed["refresh_token"]
