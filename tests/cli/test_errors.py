"""Every refusal of the `authserver` command: non-zero exit, one clear line, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

from .conftest import Cli

REPO = Path(__file__).resolve().parents[2]


def test_bad_setting_is_named(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHSERVER_ACCESS_TOKEN_TTL", "abc")
    cli.fails("user", "list", words=("AUTHSERVER_ACCESS_TOKEN_TTL",))
    cli.fails("init", words=("AUTHSERVER_ACCESS_TOKEN_TTL",))


def test_unsafe_issuer_is_refused(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHSERVER_ISSUER", "http://auth.example.com")
    cli.fails("client", "list", words=("AUTHSERVER_ISSUER", "https"))


def test_database_not_migrated_says_to_run_init(cli: Cli) -> None:
    cli.fails("user", "list", words=("authserver init",))
    cli.fails("user", "create", "alice@example.com", "--password-stdin",
              input=PASSWORD + "\n", words=("authserver init",))


def test_unreachable_database_is_reported(cli: Cli, monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    monkeypatch.setenv("AUTHSERVER_DATABASE_URL",
                       f"sqlite:///{tmp_path / 'no-such-dir' / 'authserver.db'}")
    cli.fails("init", words=("database",))


def test_usage_errors_exit_non_zero(initialized: Cli) -> None:
    initialized.fails("user", "frobnicate", words=("frobnicate",))
    initialized.fails("client", "create", words=("--name",))


# -- through a real process: what an operator's terminal shows ---------------------------------

def run(settings: dict, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AUTHSERVER_")}
    environ |= {k: str(v) for k, v in settings.items()} | env
    return subprocess.run([sys.executable, "-m", "authserver", *args], input=stdin, env=environ,
                          cwd=REPO, capture_output=True, text=True, timeout=60)


def test_process_prints_json_on_stdout_and_errors_on_stderr(settings: dict,
                                                            initialized: Cli) -> None:
    created = run(settings, "user", "create", "alice@example.com", "--password-stdin", "--json",
                  stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["email"] == "alice@example.com"  # logs go to stderr
    assert PASSWORD not in created.stdout + created.stderr

    refused = run(settings, "user", "disable", "nobody@example.com")
    assert refused.returncode == 1
    assert refused.stderr == "Error: no user with email nobody@example.com\n"
    assert refused.stdout == ""


def test_help_with_a_bad_setting_has_no_traceback(settings: dict) -> None:
    done = run(settings, "--help", AUTHSERVER_ACCESS_TOKEN_TTL="abc")
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert "AUTHSERVER_ACCESS_TOKEN_TTL" in output
    assert "user" in done.stdout  # the built-in commands are still listed
