"""The servers under test: authserver as an operator runs it (`authserver serve`, production
settings, one gunicorn worker) and the floor app under the same gunicorn, both on the server
CPU and on loopback ports only."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from procs import SERVER_CPU, children, pinned

from authserver.config import RATE_LIMIT_SETTINGS

BENCH_DIR = Path(__file__).resolve().parent
START_SECONDS = 30




def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_settings(folder: Path, database_url: str, port: int) -> dict[str, str]:
    """The environment of a production deployment, in a folder of its own."""
    return {
        "AUTHSERVER_ENV": "production",
        "AUTHSERVER_SECRET_KEY": secrets.token_urlsafe(48),
        "AUTHSERVER_ISSUER": f"http://127.0.0.1:{port}",
        "AUTHSERVER_DATABASE_URL": database_url,
        "AUTHSERVER_INSTANCE_DIR": str(folder / "instance"),
        "AUTHSERVER_KEYS_DIR": str(folder / "keys"),
        "AUTHSERVER_LOG_LEVEL": "WARNING",
        # the load comes from one IP, one client and one account: limits it never reaches,
        # still checked on every request so that their cost is in the figures
        **{name: "1000000/minute" for name in RATE_LIMIT_SETTINGS},
    }


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    log_path: Path

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def init_authserver(settings: dict[str, str], folder: Path) -> None:
    """`authserver init`: migrate the empty database and create the signing key."""
    done = subprocess.run([sys.executable, "-m", "authserver", "init"],
                          env={**os.environ, **settings}, cwd=folder, capture_output=True,
                          text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"authserver init failed:\n{done.stdout}{done.stderr}")


def start_authserver(settings: dict[str, str], folder: Path) -> Server:
    port = settings["AUTHSERVER_ISSUER"].rsplit(":", 1)[1]
    command = [sys.executable, "-m", "authserver", "serve", "--host", "127.0.0.1",
               "--port", port, "--workers", "1"]
    return _start("authserver", command, {**os.environ, **settings}, folder, int(port),
                  "/healthz")


def start_floor(folder: Path) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "sync",
               "--bind", f"127.0.0.1:{port}", "--chdir", str(BENCH_DIR), "floor_app:app"]
    return _start("floor", command, dict(os.environ), folder, port, "/")


def _start(name: str, command: list[str], env: dict[str, str], folder: Path, port: int,
           ready_path: str) -> Server:
    log_path = folder / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(pinned(command, SERVER_CPU), env=env, cwd=folder,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited at start:\n{server.log_tail()}")
        if _answers(server.url + ready_path) and server.workers():
            return server
        time.sleep(0.1)
    stop(server)
    raise RuntimeError(f"{name} did not start in {START_SECONDS} s:\n{server.log_tail()}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def stop(server: Server) -> None:
    """SIGTERM to the server's process group (gunicorn stops gracefully), SIGKILL if stuck."""
    if server.process.poll() is not None:
        return
    os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=15)
