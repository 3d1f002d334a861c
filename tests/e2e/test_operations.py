"""What an operator relies on, against a real `authserver serve`: metrics summed over the
gunicorn workers, JSON log lines (one per request, no secrets), the start-up wait for the
database, a graceful stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from authserver.extensions import db
from tests.conftest import PASSWORD
from tests.web.metrics_text import sample

from .conftest import free_port, start_server, stop_server
from .helpers import TIMEOUT


def client_credentials(server, machine) -> requests.Response:
    response = requests.post(f"{server.url}/token", data={"grant_type": "client_credentials"},
                             auth=(machine.client_id, machine.secret), timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response


def test_metrics_are_summed_over_the_workers(serve, machine, tmp_path: Path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"left by an earlier run")
    server = serve(workers=2, PROMETHEUS_MULTIPROC_DIR=folder)
    assert not (folder / "counter_1.db").exists()
    for _ in range(12):  # a new connection each: the two workers share them
        client_credentials(server, machine)
    requests.post(f"{server.url}/token", data={"grant_type": "client_credentials"},
                  auth=(machine.client_id, "wrong"), timeout=TIMEOUT)
    counted_by = {path.name for path in folder.glob("counter_*.db")}
    for _ in range(4):  # whichever worker answers the scrape, it reports every worker's count
        text = requests.get(f"{server.url}/metrics", timeout=TIMEOUT).text
        assert sample(text, "authserver_tokens_issued_total", grant="client_credentials",
                      client_type="confidential") == 12
        assert sample(text, "authserver_token_errors_total", grant="client_credentials",
                      error="invalid_client") == 1
        assert sample(text, "authserver_request_duration_seconds_count", method="POST",
                      endpoint="/token") == 13
    assert len(counted_by) >= 2, "one file per worker process (multiprocess mode)"


#: each HTTP server `serve` offers, and the logger of its own lines
SERVER_LOGGERS = {"granian": "_granian", "gunicorn": "gunicorn.error"}
#: what each says when it has stopped cleanly
SHUTDOWN_LINES = {"granian": "Granian shutdown completed", "gunicorn": "Shutting down: Master"}


@pytest.mark.parametrize("http_server", SERVER_LOGGERS)
def test_json_logs_one_object_per_line_with_request_ids_and_no_secrets(serve, machine,
                                                                       http_server):
    server = serve(http_server=http_server, AUTHSERVER_LOG_FORMAT="json")
    issued = client_credentials(server, machine)
    access_token = issued.json()["access_token"]
    jwks = requests.get(f"{server.url}/jwks", timeout=TIMEOUT)
    requests.get(f"{server.url}/userinfo?access_token={access_token}", timeout=TIMEOUT)
    stop_server(server)
    lines = [json.loads(line) for line in server.log().splitlines()]  # every line parses
    assert all({"ts", "level", "logger"} <= set(line) for line in lines)
    requests_logged = [line for line in lines if line["logger"] == "authserver.access"]
    by_path = {line["path"]: line for line in requests_logged}
    assert by_path["/jwks"]["request_id"] == jwks.headers["X-Request-Id"]
    assert by_path["/jwks"]["method"] == "GET" and by_path["/jwks"]["status"] == 200
    assert by_path["/token"]["status"] == 200 and by_path["/token"]["duration_ms"] > 0
    assert by_path["/userinfo"]["status"] in (400, 401)  # a query-string token is refused
    (audit,) = [line for line in lines if line.get("event") == "token.issued"]
    assert audit["client_id"] == machine.client_id  # a flat object, not JSON in a string
    assert any(line["logger"] == SERVER_LOGGERS[http_server] for line in lines)
    log = server.log()
    assert access_token not in log and machine.secret not in log


def test_serve_exits_when_the_database_never_answers(settings: dict):
    """RL-05: bounded retries, then a non-zero exit that says why."""
    unreachable = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    environ = {**{k: str(v) for k, v in settings.items()},
               "AUTHSERVER_DATABASE_URL": unreachable, "AUTHSERVER_DB_WAIT_SECONDS": "2"}
    done = subprocess.run(
        [sys.executable, "-m", "authserver", "serve", "--port", str(free_port())],
        env={**os.environ, **environ}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "the database did not answer within 2 s (AUTHSERVER_DB_WAIT_SECONDS)" in done.stderr
    assert done.stderr.count("waiting for the database") >= 1


def test_serve_waits_for_a_database_that_comes_up(settings: dict, tmp_path: Path):
    later = tmp_path / "not-yet"  # SQLite cannot open a file in a folder that is missing
    environ = {**settings, "AUTHSERVER_DATABASE_URL": f"sqlite:///{later / 'authserver.db'}",
               "AUTHSERVER_DB_WAIT_SECONDS": "20"}
    log = tmp_path / "waiting.log"

    def database_comes_up() -> None:  # once the server has said it waits
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if log.exists() and "waiting for the database (attempt 1)" in log.read_text():
                later.mkdir()
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=database_comes_up)
    watcher.start()
    server = start_server(environ, log)
    try:
        watcher.join()
        assert later.is_dir(), "the server never said it was waiting"
        assert requests.get(f"{server.url}/healthz", timeout=TIMEOUT).status_code == 200
    finally:
        stop_server(server)


@pytest.mark.parametrize("http_server", SHUTDOWN_LINES)
def test_sigterm_lets_the_request_in_flight_finish(serve, app, spa, alice, http_server):
    server = serve(workers=1, http_server=http_server)
    with app.app_context(), db.engine.connect() as blocker:
        blocker.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE (extensions.py): the write lock
        with ThreadPoolExecutor(1) as pool:
            answer = pool.submit(requests.post, f"{server.url}/token", timeout=TIMEOUT, data={
                "grant_type": "password", "client_id": spa.client_id,
                "username": "alice@example.com", "password": PASSWORD})
            time.sleep(0.5)  # accepted by the worker, waiting on the lock
            os.killpg(server.process.pid, signal.SIGTERM)
            time.sleep(0.3)
            blocker.rollback()
            response = answer.result()
    assert response.status_code == 200, response.text
    assert server.process.wait(timeout=TIMEOUT) == 0
    assert SHUTDOWN_LINES[http_server] in server.log()
