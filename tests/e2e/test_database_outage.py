"""The database goes away under a running server, and comes back (RL-04).

A TCP proxy (tests/support/tcp_proxy.py) sits between a real gunicorn server and PostgreSQL;
cutting it drops every connection and refuses new ones, as a database restart or failover
does. Meanwhile requests fail fast with 503 server_error and Retry-After, none answers 200
for something it could not store, /readyz says not ready; once the proxy forwards again the
same server process serves normally.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from tests.conftest import PG_URL
from tests.support.tcp_proxy import TcpProxy

from .helpers import TIMEOUT, frontend_session, login, refresh

DB_TIMEOUT = 2
#: the longest a request may take while the database is away
FAST = DB_TIMEOUT + 1.5

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="needs PostgreSQL (AUTHSERVER_TEST_DATABASE_URL): a database server to "
                       "lose; SQLite is a file")


def through(proxy: TcpProxy, url: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else \
        f"127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def timed(call) -> tuple[requests.Response, float]:
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def assert_unavailable(response: requests.Response, elapsed: float) -> None:
    assert elapsed < FAST, f"took {elapsed:.1f} s"
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "server_error"
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"
    assert "Traceback" not in response.text and "psycopg" not in response.text


def wait_until_ready(url: str, within: float = 15) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if requests.get(f"{url}/readyz", timeout=TIMEOUT).status_code == 200:
            return
        time.sleep(0.2)
    raise AssertionError("the server did not become ready again")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_requests_fail_fast_during_an_outage_and_recover_without_restart(
        serve, spa, machine, alice, database_url):
    host, port = urlsplit(PG_URL).hostname, urlsplit(PG_URL).port or 5432
    with TcpProxy(host, port) as proxy:
        server = serve(workers=2, AUTHSERVER_DATABASE_URL=through(proxy, database_url),
                       AUTHSERVER_DB_TIMEOUT=DB_TIMEOUT)
        session = frontend_session(spa)
        first = login(session, server)
        machine_auth = (machine.client_id, machine.secret)

        proxy.cut()
        outage = {
            "login": timed(lambda: requests.post(f"{server.url}/token", timeout=TIMEOUT, data={
                "grant_type": "password", "client_id": spa.client_id,
                "username": "alice@example.com", "password": "correct horse battery staple"})),
            "refresh": timed(lambda: refresh(server, spa, first["refresh_token"])),
            "client_credentials": timed(lambda: requests.post(
                f"{server.url}/token", data={"grant_type": "client_credentials"},
                auth=machine_auth, timeout=TIMEOUT)),
            "revoke": timed(lambda: requests.post(
                f"{server.url}/revoke", data={"client_id": spa.client_id,
                                              "token": first["refresh_token"]},
                timeout=TIMEOUT)),
        }
        ready, ready_elapsed = timed(lambda: requests.get(f"{server.url}/readyz",
                                                          timeout=TIMEOUT))
        for name, (response, elapsed) in outage.items():
            try:
                assert_unavailable(response, elapsed)
            except AssertionError as exc:
                raise AssertionError(f"{name}: {exc}") from None
        assert ready.status_code == 503 and ready.json()["ready"] is False
        assert ready.json()["checks"]["database"] is False and ready_elapsed < FAST

        proxy.restore()
        wait_until_ready(server.url)
        after = refresh(server, spa, first["refresh_token"])  # not rotated during the outage
        assert after.status_code == 200, after.text
        assert login(frontend_session(spa), server)["access_token"]
        assert server.process.poll() is None  # the same server, never restarted
