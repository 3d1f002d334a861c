"""RL-01: one refresh token presented by many requests at once, across worker processes.

With the grace window (the default), every request gets the one derived successor and
exactly one is stored. With strict rotation, exactly one request wins. Never a 500.
"""

from __future__ import annotations

from collections import Counter

from tests.conftest import backends

from .helpers import (
    assert_invalid_grant,
    concurrently,
    family_size,
    frontend_session,
    login,
    refresh,
    userinfo,
)

THREADS = 20
ROUNDS = 5


def race(server, spa, refresh_token: str) -> list[tuple[int, dict]]:
    """THREADS refreshes of one token, each on its own connection, released together."""

    def call(http):
        response = refresh(server, spa, refresh_token, http)
        if response.status_code == 400:
            assert_invalid_grant(response)
        return response.status_code, response.json()

    return concurrently(THREADS, call)


def errors(answers: list[tuple[int, dict]]) -> list[str]:
    """The error codes among the answers (never the tokens: they would only clutter)."""
    return [body.get("error", "?") for status, body in answers if status != 200]


@backends
def test_concurrent_refresh_inside_grace_window_mints_one_successor(serve, app, spa, alice):
    """RL-01, grace policy: all 200 with the same successor; one successor row stored."""
    server = serve(workers=4)
    for round_ in range(ROUNDS):
        start = login(frontend_session(spa), server)["refresh_token"]
        answers = race(server, spa, start)

        statuses = Counter(status for status, _ in answers)
        assert statuses == {200: THREADS}, f"round {round_}: {statuses} {errors(answers)}"
        successors = {body["refresh_token"] for _, body in answers}
        assert len(successors) == 1, f"round {round_}: {len(successors)} successors"
        assert family_size(app, start) == 2, f"round {round_}: not exactly one successor"

        successor = successors.pop()
        assert successor != start
        assert userinfo(server, answers[-1][1]["access_token"]).status_code == 200
        later = refresh(server, spa, successor)
        assert later.status_code == 200, later.text
        assert later.json()["refresh_token"] not in (start, successor)


@backends
def test_concurrent_refresh_with_strict_rotation_has_one_winner(serve, app, spa, alice):
    """RL-01, strict policy: exactly one 200, every other answer 400 invalid_grant."""
    server = serve(workers=4, AUTHSERVER_REFRESH_GRACE_SECONDS=0)
    for round_ in range(ROUNDS):
        start = login(frontend_session(spa), server)["refresh_token"]
        answers = race(server, spa, start)

        statuses = Counter(status for status, _ in answers)
        assert statuses == {200: 1, 400: THREADS - 1}, \
            f"round {round_}: {statuses} {errors(answers)}"
        assert set(errors(answers)) == {"invalid_grant"}
        assert family_size(app, start) == 2, f"round {round_}: not exactly one successor"
