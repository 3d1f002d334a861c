"""What a new user does first: `init --demo`, serve, and paste the printed commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import free_port, start_server, stop_server


def authserver(env: dict, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "authserver", *args], env=env,
                          capture_output=True, text=True, timeout=60, check=True).stdout


def test_printed_walkthrough_runs_as_pasted(tmp_path: Path):
    port = free_port()
    settings = {
        "AUTHSERVER_INSTANCE_DIR": str(tmp_path / "instance"),
        "AUTHSERVER_KEYS_DIR": str(tmp_path / "keys"),
        "AUTHSERVER_ISSUER": f"http://127.0.0.1:{port}",
    }
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AUTHSERVER_")},
           **settings}
    printed = authserver(env, "init", "--demo")
    (pem,) = (tmp_path / "keys").glob("*.pem")
    assert pem.stat().st_mode & 0o777 == 0o600
    commands = printed.split("Try it in another terminal", 1)[1].split("\n", 1)[1]

    server = start_server(settings, tmp_path / "server.log", workers=1, port=port)
    try:
        ran = subprocess.run(["bash", "-c", commands], cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)
    finally:
        stop_server(server)
    outputs = [json.loads(line) for line in ran.stdout.splitlines() if line.startswith("{")]
    login, userinfo, refreshed = outputs
    assert login["token_type"] == "Bearer" and login["expires_in"] == 900
    assert userinfo["email"] == "demo@example.com"
    assert refreshed["refresh_token"] not in (None, login["refresh_token"])

    again = authserver(env, "init", "--demo")  # the second `make run` reuses everything
    assert "exist" in again and "Try it" not in again
    assert len(list((tmp_path / "keys").glob("*.pem"))) == 1
