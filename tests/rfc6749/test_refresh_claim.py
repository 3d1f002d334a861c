"""On PostgreSQL a refresh's lookup also rotates the token (RefreshToken.claim): one statement,
one round trip. What it decides in SQL is what the grant decides in Python; the refusals
(another client, expiry, a revoked family, a disabled user) are the tests of
test_refresh_token.py, on every backend."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, func, select, text

from authserver.crypto import derive_token, digest
from authserver.extensions import db
from authserver.models import RefreshToken, TokenFamily, hot_path
from authserver.models import refresh_token as refresh_token_model
from tests.conftest import BACKENDS, backends

postgresql_only = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.skipif(
        "postgresql" not in BACKENDS, reason="AUTHSERVER_TEST_DATABASE_URL is not set"))],
    indirect=True)


@pytest.fixture(autouse=True)
def cached_clients(settings) -> None:
    """The refresh in a driver transaction of its own, as under load (hot_path.py)."""
    settings["AUTHSERVER_CLIENT_CACHE_SECONDS"] = 60


@pytest.fixture
def login(tokens, spa, alice) -> dict:
    response = tokens.login(spa, scope="openid profile email")
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def statements(monkeypatch) -> list:
    """The hot statements a request runs, in order."""
    ran = []
    real = hot_path._run

    def run(statement, params, fetch, holder=None):
        ran.append(statement)
        return real(statement, params, fetch, holder)

    monkeypatch.setattr(hot_path, "_run", run)
    return ran


def rows(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(RefreshToken.token_digest, RefreshToken.rotated_at, RefreshToken.expires_at)
            .order_by(RefreshToken.id)).all()


@backends
def test_a_refresh_is_one_statement_on_postgresql(app, tokens, spa, login, statements):
    """PostgreSQL: the claiming lookup alone. SQLite (in-process, no round trips): lookup,
    claim and insert in one transaction. The stored successor expires when the answer says."""
    refreshed = tokens.refresh(spa, login["refresh_token"])
    assert refreshed.status_code == 200
    if app.config["AUTHSERVER_DATABASE_URL"].startswith("postgresql"):
        assert statements == [refresh_token_model._CLAIM_AT_LOOKUP]
    else:
        assert statements == [refresh_token_model._LOOKUP, refresh_token_model._CLAIM,
                              refresh_token_model._INSERT]
    (old, rotated_at, _), (new, successor_rotated, expires_at) = rows(app)
    assert old == digest(login["refresh_token"]) and rotated_at is not None
    assert new == digest(refreshed.json["refresh_token"]) and successor_rotated is None
    assert expires_at - rotated_at == refreshed.json["refresh_token_expires_in"]


@backends
def test_a_successor_never_outlives_its_family(app, tokens, spa, login, frozen_clock):
    """Near the family's absolute end (90 days) the successor's idle expiry (30 days) is cut
    to it, in SQL on PostgreSQL as in Python."""
    token = login["refresh_token"]
    for _ in range(3):  # days 25, 50 and 75: the last successor would idle until day 105
        frozen_clock.offset += 25 * 86_400
        refreshed = tokens.refresh(spa, token)
        assert refreshed.status_code == 200
        token = refreshed.json["refresh_token"]
    with app.app_context():
        family_end = db.session.scalar(select(TokenFamily.expires_at))
        now = db.session.scalar(select(func.max(RefreshToken.issued_at)))
    assert rows(app)[-1][2] == family_end
    assert refreshed.json["refresh_token_expires_in"] == family_end - now
    # 15 days left; a second less when the wall clock ticked between the login and now
    assert 15 * 86_400 - 1 <= family_end - now <= 15 * 86_400


@backends
def test_a_refresh_asking_for_a_scope_looks_up_first(app, tokens, spa, login, statements):
    """The scope is checked after the lookup and may refuse the request, which must then
    change nothing: so such a refresh rotates only once it is accepted."""
    wider = tokens.refresh(spa, login["refresh_token"],
                           scope="openid profile email offline_access")
    assert wider.status_code == 400 and wider.json["error"] == "invalid_scope"
    assert len(rows(app)) == 1 and rows(app)[0][1] is None
    assert statements[0] is refresh_token_model._LOOKUP
    narrower = tokens.refresh(spa, login["refresh_token"], scope="openid")
    assert narrower.status_code == 200 and narrower.json["scope"] == "openid"
    assert len(rows(app)) == 2


@postgresql_only
def test_a_concurrent_claim_waits_and_answers_as_a_retry(app, tokens, spa, login, settings):
    """Another request holds the token's row (rotated, not yet committed) when this one's
    claiming lookup runs: its UPDATE waits, finds the row rotated and claims nothing; the
    request then answers the successor the other one stored, as a retry would get it."""
    token = login["refresh_token"]
    successor = derive_token(settings["AUTHSERVER_SECRET_KEY"], "refresh-successor", token)
    url = app.config["AUTHSERVER_DATABASE_URL"]
    other = create_engine(url)
    answers = []
    try:
        with other.connect() as connection:
            transaction = connection.begin()
            family_id = connection.scalar(text(
                "UPDATE refresh_token SET rotated_at = :now WHERE token_digest = :digest "
                "RETURNING family_id"), {"now": int(time.time()), "digest": digest(token)})
            connection.execute(text(
                "INSERT INTO refresh_token (token_digest, family_id, issued_at, expires_at) "
                "VALUES (:digest, :family, :now, :expires)"),
                {"digest": digest(successor), "family": family_id, "now": int(time.time()),
                 "expires": int(time.time()) + 3600})
            waiting = threading.Thread(target=lambda: answers.append(
                tokens.refresh(spa, token)))
            waiting.start()
            with other.connect() as watcher:
                deadline = time.monotonic() + 10
                while not watcher.scalar(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE '%claimed_found%'")):
                    assert time.monotonic() < deadline, "the claim never waited on the row"
                    time.sleep(0.02)
            transaction.commit()
            waiting.join(10)
    finally:
        other.dispose()
    assert answers and answers[0].status_code == 200, answers and answers[0].json
    assert answers[0].json["refresh_token"] == successor
    assert len(rows(app)) == 2  # no second successor
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TokenFamily)
                                 .where(TokenFamily.revoked_at.is_not(None))) == 0


@backends
def test_the_successor_is_derived_once_a_refresh(tokens, spa, login, monkeypatch):
    """For the claim, the grace lookup and the answer alike: one HMAC per request, the first
    refresh and its retry inside the grace window."""
    from authserver.oauth.grants.refresh_token import RefreshTokenGrant

    derived = []
    real = RefreshTokenGrant.successor
    monkeypatch.setattr(RefreshTokenGrant, "successor",
                        lambda grant, value: derived.append(value) or real(grant, value))
    first = tokens.refresh(spa, login["refresh_token"])
    retry = tokens.refresh(spa, login["refresh_token"])
    assert first.status_code == retry.status_code == 200
    assert retry.json["refresh_token"] == first.json["refresh_token"]
    assert derived == [login["refresh_token"]] * 2
