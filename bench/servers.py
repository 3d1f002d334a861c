"""The servers under test: authserver as an operator runs it (`authserver serve`, production
settings, one worker of the chosen HTTP server) and the floor app under the same HTTP server
with the same settings, both on the server CPU and on loopback ports only."""

from __future__ import annotations

import os
import secrets
import shutil
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


def start_authserver(settings: dict[str, str], folder: Path, http_server: str) -> Server:
    port = settings["AUTHSERVER_ISSUER"].rsplit(":", 1)[1]
    command = [sys.executable, "-m", "authserver", "serve", "--host", "127.0.0.1",
               "--port", port, "--workers", "1", "--server", http_server]
    return _start("authserver", command, {**os.environ, **settings}, folder, int(port),
                  "/healthz")


def start_floor(folder: Path, http_server: str) -> Server:
    """`authserver serve --server X` serving the floor app (authserver.cli.serve runs it)."""
    port = free_port()
    command = [sys.executable, str(BENCH_DIR / "floor_app.py"), http_server, str(port)]
    return _start("floor", command, dict(os.environ), folder, port, "/")


NODE_DIR = BENCH_DIR / "node_oidc"


def node_unavailable() -> str | None:
    """Why node-oidc-provider cannot be measured here, if it cannot."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (NODE_DIR / "node_modules" / "oidc-provider").is_dir():
        return "run `npm ci` in bench/node_oidc first"
    return None


@dataclass(frozen=True)
class NodeClients:
    machine_id: str
    machine_secret: str
    spa_id: str


def start_node(folder: Path, clients: NodeClients,
               database: tuple[str, str] | None = None) -> Server:
    """node-oidc-provider (bench/node_oidc/server.mjs) on the server CPU: one process. With
    its memory adapter, or given a PostgreSQL `database` (libpq URL, schema), its tokens
    stored there (bench/node_oidc/pg_adapter.mjs)."""
    port = free_port()
    command = ["node", str(NODE_DIR / "server.mjs"), str(port), clients.machine_id,
               clients.machine_secret, clients.spa_id, *(database or ())]
    # production mode, as authserver runs (AUTHSERVER_ENV=production)
    return _start("node-oidc-provider", command, {**os.environ, "NODE_ENV": "production"},
                  folder, port, "/.well-known/openid-configuration", forks=False)


def seed_node(server: Server, size: int) -> list[str]:
    """`size` stored sign-ins of node-oidc-provider's public client: their refresh tokens."""
    request = urllib.request.Request(f"{server.url}/bench/seed?n={size}", method="POST")
    with urllib.request.urlopen(request, timeout=300) as response:
        return response.read().decode().split("\n")


def _start(name: str, command: list[str], env: dict[str, str], folder: Path, port: int,
           ready_path: str, forks: bool = True) -> Server:
    """Started once it answers `ready_path` and, if it `forks` workers, has one."""
    log_path = folder / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(pinned(command, SERVER_CPU), env=env, cwd=folder,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited at start:\n{server.log_tail()}")
        if _answers(server.url + ready_path) and (server.workers() or not forks):
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
