"""Point 8: two tabs whose access tokens expire together refresh at the same moment with the
same cookie; both succeed (the grace window) and nobody is signed out."""

from __future__ import annotations

import threading

from tests.conftest import backends
from tests.rfc7009.helpers import stored_refresh_token, userinfo

from .frontend import Frontend, set_cookies


@backends
def test_two_tabs_refreshing_at_once_both_succeed_with_the_same_successor(app, http, tab,
                                                                          signed_in):
    cookie = tab.cookie
    tabs = [Frontend(app.test_client(use_cookies=False), tab.client, tab.origin,
                     tab.cookie_name, cookie, tab.given) for _ in range(2)]
    barrier = threading.Barrier(len(tabs))
    responses: list = [None] * len(tabs)

    def refresh(index: int) -> None:
        barrier.wait(timeout=10)
        responses[index] = tabs[index].refresh()

    threads = [threading.Thread(target=refresh, args=(i,)) for i in range(len(tabs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [r.status_code for r in responses] == [200, 200], [r.get_data() for r in responses]
    successors = {set_cookies(r)[tab.cookie_name].value for r in responses}
    assert len(successors) == 1 and cookie not in successors
    successor = successors.pop()
    stored = stored_refresh_token(app, successor)
    assert stored.rotated_at is None and stored.family_revoked_at is None
    for response in responses:
        assert userinfo(http, response.get_json()["access_token"]).status_code == 200
    tab.cookie = successor
    assert tab.refresh().status_code == 200  # the shared cookie rotates on as usual
