"""`authserver purge`: expired rows go, in batches, with counts; live ones stay; several
purges at once share the work; removed signing keys go too (the `keys prune` logic)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from authserver import create_app
from authserver.clock import clock
from authserver.extensions import db
from authserver.models import AuthorizationCode, AuthorizationRequest, LoginSession, User
from authserver.purge import GRACE_SECONDS
from tests.conftest import backends
from tests.storage.dump import dump_tables, row_counts

from .conftest import Cli, login, refresh

#: every kind `purge` reports, none deleted
NOTHING = {"revoked_access_token": 0, "token_family": 0, "refresh_token": 0,
           "authorization_code": 0, "authorization_request": 0, "login_session": 0}
ABSOLUTE_TTL = 7_776_000  # the default AUTHSERVER_REFRESH_TOKEN_ABSOLUTE_TTL
ACCESS_TTL = 900


def sign_in(served, spa_id: str, times: int) -> list[dict]:
    """Logins, each refreshed once (two refresh tokens per family) and its first access
    token revoked (one denylist entry per family)."""
    sessions = []
    for _ in range(times):
        body = login(served, spa_id).get_json()
        assert refresh(served, spa_id, body["refresh_token"]).status_code == 200
        assert served.post("/revoke", data={"client_id": spa_id,
                                            "token": body["access_token"]}).status_code == 200
        sessions.append(body)
    return sessions


def counts(cli_env: dict) -> dict[str, int]:
    app = create_app(cli_env)
    try:
        return row_counts(dump_tables(app))
    finally:
        with app.app_context():
            db.engine.dispose()


@backends
def test_purge_deletes_what_expired_and_reports_counts(
        initialized: Cli, served, spa_id, make_user, frozen_clock, cli_env):
    make_user()
    sign_in(served, spa_id, 3)
    assert initialized.json("purge")["deleted"] == NOTHING

    frozen_clock.offset += ACCESS_TTL + GRACE_SECONDS + 1  # the revoked tokens have expired
    assert initialized.json("purge")["deleted"] == {**NOTHING, "revoked_access_token": 3}

    frozen_clock.offset += ABSOLUTE_TTL  # every family is past its absolute expiry
    live = login(served, spa_id).get_json()  # ... but this new one
    result = initialized.json("purge", "--batch-size", "2")

    assert result["deleted"] == {**NOTHING, "token_family": 3, "refresh_token": 6}
    stored = counts(cli_env)
    assert (stored["token_family"], stored["refresh_token"]) == (1, 1)
    assert refresh(served, spa_id, live["refresh_token"]).status_code == 200


@backends
def test_purge_deletes_expired_codes_pending_requests_and_browser_sessions(
        initialized: Cli, spa_id, make_user, frozen_clock, cli_env):
    """The code flow's rows: a code stays (consumed or not) until it expires, so a second
    use is recognised for its whole life; then it goes, with stale requests and sessions."""
    make_user()
    app = create_app(cli_env)
    with app.app_context():
        user = User.find_by_email("alice@example.com")
        now = clock.now()
        AuthorizationCode.issue("code-1", client_id=spa_id, user_id=user.id,
                                redirect_uri="http://127.0.0.1/cb", scope="openid", nonce=None,
                                code_challenge=None,
                                auth_time=now, now=now, ttl=60)
        AuthorizationRequest.create(spa_id, {"response_type": "code"}, now, ttl=900)
        LoginSession.start(user.id, now, ttl=36_000)
        db.session.commit()
        db.engine.dispose()
    assert initialized.json("purge")["deleted"] == NOTHING

    frozen_clock.offset += 900 + GRACE_SECONDS + 1  # the code and the request have expired
    assert initialized.json("purge")["deleted"] == {
        **NOTHING, "authorization_code": 1, "authorization_request": 1}
    frozen_clock.offset += 36_000  # and now the browser session
    assert initialized.json("purge")["deleted"] == {**NOTHING, "login_session": 1}
    stored = counts(cli_env)
    assert stored["authorization_code"] == stored["login_session"] == 0


def test_purge_prints_counts_for_people(initialized: Cli):
    output = initialized.ok("purge").output

    assert "deleted 0 token_family row(s)" in output
    assert "deleted 0 revoked_access_token row(s)" in output


def test_purge_removes_signing_keys_past_retention(
        initialized: Cli, keys_dir: Path, frozen_clock, monkeypatch: pytest.MonkeyPatch):
    start = int(time.time())
    monkeypatch.setattr(frozen_clock, "now", lambda: start + frozen_clock.offset)
    (old,) = initialized.json("keys", "list")["keys"]
    initialized.json("keys", "rotate")
    frozen_clock.offset += 3600 + 900 + 60  # publish delay, then the old key's retention

    assert initialized.json("purge", "--skip-keys")["removed_keys"] == []
    assert initialized.json("purge")["removed_keys"] == [old["kid"]]
    assert not (keys_dir / f"{old['kid']}.pem").exists()
