"""Abuse resistance over real HTTP: counters shared by two server processes through Redis
(BF-01, BF-05), and a flood of password logins against bounded hashing (RL-10)."""

from __future__ import annotations

import secrets
import time
from collections import Counter

import pytest
import requests

from tests.abuse.conftest import NO_LIMITS, redis_settings  # noqa: F401  (a fixture)
from tests.conftest import PG_URL

from .helpers import TIMEOUT, concurrently, frontend_session, login


def password_attempt(server, spa, password: str, http=None) -> requests.Response:
    return (http or requests).post(f"{server.url}/token", timeout=TIMEOUT, data={
        "grant_type": "password", "client_id": spa.client_id,
        "username": "alice@example.com", "password": password})


def test_two_servers_share_lockout_and_limits_through_redis(serve, spa, alice, request):
    """Failures spread over two instances (two workers each) lock the account on both, and
    one IP's requests count once, whichever instance they reach."""
    shared = {**NO_LIMITS, **request.getfixturevalue("redis_settings"),
              "AUTHSERVER_LOCKOUT_THRESHOLD": 4, "AUTHSERVER_RATE_LIMIT_PER_IP": "12/minute"}
    first, second = serve(**shared), serve(**shared)
    assert first.url != second.url

    answers = [password_attempt(server, spa, f"guess {i}")
               for i, server in enumerate([first, second] * 2)]
    assert [r.status_code for r in answers] == [400] * 4

    locked_on_first = password_attempt(first, spa, "correct horse battery staple")
    locked_on_second = password_attempt(second, spa, "correct horse battery staple")
    assert locked_on_first.status_code == locked_on_second.status_code == 400
    assert locked_on_second.json() == answers[0].json()

    # one IP, twelve requests to /userinfo spread over both instances: the next is over
    statuses = [requests.get(f"{server.url}/userinfo", timeout=TIMEOUT).status_code
                for server in [first, second] * 6]
    assert statuses == [401] * 12
    throttled = requests.get(f"{first.url}/userinfo", timeout=TIMEOUT)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert throttled.json()["error"] == "rate_limited"


def test_each_worker_counts_alone_without_redis(serve, spa, alice):
    """The contrast: memory counters are per process, which is why the README says to set
    AUTHSERVER_REDIS_URL for several processes."""
    settings = {**NO_LIMITS, "AUTHSERVER_LOCKOUT_THRESHOLD": 2}
    first, second = serve(workers=1, **settings), serve(workers=1, **settings)
    for server in (first, second):
        assert password_attempt(server, spa, "guess").status_code == 400

    assert login(frontend_session(spa), second)["access_token"]


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: on SQLite a login's lookup takes "
                                        "the database's one write lock, so logins never hash "
                                        "side by side")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_flood_of_logins_gets_fast_503s_not_a_queue_RL10(serve, spa, machine, alice):
    """Forty concurrent logins with random passwords against one worker of eight threads and
    one hashing slot: every answer is 400 or 503 (never 5xx otherwise), the 503s come at once
    with Retry-After, and a machine client is served meanwhile."""
    server = serve(workers=1, threads=8, **NO_LIMITS,
                   AUTHSERVER_PASSWORD_HASH_CONCURRENCY=1, AUTHSERVER_PASSWORD_HASH_WAIT=0)

    def attempt(http: requests.Session) -> tuple[int, float, str | None]:
        start = time.monotonic()
        response = password_attempt(server, spa, secrets.token_hex(8), http)
        return (response.status_code, time.monotonic() - start,
                response.headers.get("Retry-After"))

    results = concurrently(40, attempt)
    machine_call = requests.post(f"{server.url}/token", data={"grant_type": "client_credentials"},
                                 auth=(machine.client_id, machine.secret), timeout=TIMEOUT)

    statuses = Counter(status for status, _, _ in results)
    assert set(statuses) <= {400, 503}, statuses
    assert statuses[503] > 0 and statuses[400] > 0, statuses
    busy = [(elapsed, retry) for status, elapsed, retry in results if status == 503]
    assert all(retry == "1" for _, retry in busy)
    assert machine_call.status_code == 200
