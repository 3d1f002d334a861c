"""RF-02 over HTTP: replaying a rotated refresh token revokes the whole login, unless it is
an idempotent retry inside the grace window (the client lost the answer and tries again)."""

from __future__ import annotations

import time

from tests.conftest import PASSWORD

from .helpers import (
    assert_invalid_grant,
    assert_not_logged,
    bearer_challenge,
    frontend_session,
    login,
    refresh,
    userinfo,
    wait_until,
)

GRACE = 1


def rotate(server, spa, refresh_token: str) -> dict:
    response = refresh(server, spa, refresh_token)
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"] != refresh_token
    return response.json()


def test_refresh_token_replay_inside_and_past_the_grace_window(serve, spa, alice):
    """RF-02, RL-03: two logins of one user. In the first, the predecessor is replayed
    inside the grace window and gets its successor back, which stays usable. In the second,
    it is replayed past the window: reuse, and every token of that login is revoked, while
    the first login is untouched."""
    server = serve(AUTHSERVER_REFRESH_GRACE_SECONDS=GRACE)
    a2 = login(frontend_session(spa), server)
    b2 = rotate(server, spa, a2["refresh_token"])
    rotated_at = int(time.time())  # the server's clock counts whole seconds

    # Inside the window: replaying A gets exactly B again, and B stays usable.
    a1 = login(frontend_session(spa), server)
    b1 = rotate(server, spa, a1["refresh_token"])
    retry = rotate(server, spa, a1["refresh_token"])
    assert retry["refresh_token"] == b1["refresh_token"]
    assert userinfo(server, retry["access_token"]).status_code == 200
    c1 = rotate(server, spa, b1["refresh_token"])
    assert c1["refresh_token"] not in (a1["refresh_token"], b1["refresh_token"])
    assert "refresh.reuse_detected" not in server.log()

    # Past the window: replaying A is reuse, and B dies with it.
    wait_until(rotated_at + GRACE + 1)
    assert_invalid_grant(refresh(server, spa, a2["refresh_token"]))
    assert_invalid_grant(refresh(server, spa, b2["refresh_token"]))
    for token in (a2, b2):
        answer = userinfo(server, token["access_token"])
        assert answer.status_code == 401
        assert bearer_challenge(answer)["error"] == "invalid_token"
        assert answer.json()["error"] == "invalid_token"

    # The revocation is the family's, not the user's: the other login carries on.
    assert userinfo(server, c1["access_token"]).status_code == 200
    rotate(server, spa, c1["refresh_token"])

    assert_not_logged(server, password=PASSWORD, **{
        f"{name}_{kind}": token[kind]
        for name, token in {"a1": a1, "b1": b1, "c1": c1, "a2": a2, "b2": b2}.items()
        for kind in ("access_token", "refresh_token")})
    assert server.log().count("refresh.reuse_detected") == 1
