"""A real server process (`authserver serve`, gunicorn) on a free loopback port.

It shares the database and keys of the `app` fixture, so tests seed clients and users with
the usual fixtures and then speak HTTP to the server like any client would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(settings: dict, log_path: Path, workers: int = 2, port: int | None = None,
                 threads: int | None = None, http_server: str | None = None,
                 **env: str) -> LiveServer:
    """`authserver serve` in its own process group; threads and http_server pick --threads
    and --server (default: the CLI's)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    environ = {**os.environ, **{k: str(v) for k, v in settings.items()},
               "AUTHSERVER_ISSUER": url, **{k: str(v) for k, v in env.items()}}
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "authserver", "serve", "--port", str(port),
         "--workers", str(workers), *(["--threads", str(threads)] if threads else []),
         *(["--server", http_server] if http_server else [])],
        env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()}")
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return LiveServer(url, process, log_path)
        except requests.ConnectionError:
            time.sleep(0.1)
    stop_server(LiveServer(url, process, log_path))
    raise RuntimeError(f"server did not start: {log_path.read_text()}")


def stop_server(server: LiveServer) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


@pytest.fixture
def serve(app, settings: dict, tmp_path: Path) -> Iterator:
    """Start servers with extra settings: `server = serve(AUTHSERVER_ACCESS_TOKEN_TTL=2)`."""
    started: list[LiveServer] = []

    def start(workers: int = 2, threads: int | None = None, port: int | None = None,
              http_server: str | None = None, **env: str) -> LiveServer:
        server = start_server(settings, tmp_path / f"server-{len(started)}.log", workers, port,
                              threads, http_server, **env)
        started.append(server)
        return server

    yield start
    for server in started:
        stop_server(server)


@pytest.fixture
def server(serve) -> LiveServer:
    return serve()
