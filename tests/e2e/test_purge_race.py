"""Purge while the server works (RL-01, issue 6): several purges at once, on PostgreSQL and
SQLite, next to a stream of refreshes over real HTTP. No 500, every live session keeps
working, each expired row is deleted exactly once, and no refresh token is left orphaned."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from authserver.clock import clock
from authserver.extensions import db
from authserver.models import RefreshToken, TokenFamily, User
from authserver.purge import purge
from tests.conftest import backends

from .helpers import frontend_session, login, refresh

EXPIRED_FAMILIES = 300
LIVE_SESSIONS = 6
REFRESHES_EACH = 8
PURGERS = 3


def seed_expired_families(app, client_id: str, count: int) -> None:
    """Families whose absolute expiry passed a day ago, two refresh tokens each."""
    with app.app_context():
        user = User.find_by_email("alice@example.com")
        then = clock.now() - 2 * 86_400
        for index in range(count):
            family = TokenFamily.start(TokenFamily.new_id(), user.id, client_id, "openid",
                                       then, then, 86_400)
            for generation in range(2):
                RefreshToken.issue(f"old-{index}-{generation}", family, then, 3600)
        db.session.commit()


@backends
def test_purge_runs_beside_refreshes(serve, app, spa, alice):
    server = serve(workers=4)
    seed_expired_families(app, spa.client_id, EXPIRED_FAMILIES)
    sessions = [login(frontend_session(spa), server)["refresh_token"]
                for _ in range(LIVE_SESSIONS)]
    statuses: Counter[int] = Counter()
    deleted: list[Counter] = []
    errors: list[BaseException] = []
    start = threading.Barrier(LIVE_SESSIONS + PURGERS)

    def keep_refreshing(token: str) -> None:
        start.wait()
        for _ in range(REFRESHES_EACH):
            response = refresh(server, spa, token)
            statuses[response.status_code] += 1
            if response.status_code != 200:
                return
            token = response.json()["refresh_token"]

    def purge_batches() -> None:
        try:
            with app.app_context():
                start.wait()
                deleted.append(purge(clock.now(), batch_size=25))
                db.session.remove()
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=keep_refreshing, args=(token,)) for token in sessions]
    threads += [threading.Thread(target=purge_batches) for _ in range(PURGERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert statuses == {200: LIVE_SESSIONS * REFRESHES_EACH}, statuses
    total = sum(deleted, Counter())
    assert (total["token_family"], total["refresh_token"]) \
        == (EXPIRED_FAMILIES, 2 * EXPIRED_FAMILIES)
    with app.app_context():
        families = db.session.scalar(select(func.count()).select_from(TokenFamily))
        tokens = db.session.scalar(select(func.count()).select_from(RefreshToken))
        orphans = db.session.scalar(
            select(func.count()).select_from(RefreshToken)
            .where(RefreshToken.family_id.not_in(select(TokenFamily.id))))
    assert families == LIVE_SESSIONS
    assert tokens == LIVE_SESSIONS * (REFRESHES_EACH + 1)
    assert orphans == 0
