"""Drive the `authserver` command in-process (click's CliRunner) against the test database.

The command reads its settings from the environment, like an operator's shell: `cli_env`
exports the `settings` fixture as AUTHSERVER_* variables and hides any others.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from flask.testing import FlaskClient

from authserver import create_app
from authserver.cli import main
from authserver.config import SETTINGS
from authserver.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def cli_env(settings: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    for name in [*os.environ, *(s.name for s in SETTINGS)]:
        if name.startswith("AUTHSERVER_"):
            monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # FlaskGroup sets it; undo it afterwards
    return settings


class Cli:
    """`cli("user", "list", "--json")` -> click Result; the app it built is disposed."""

    def __call__(self, *args: str, input: str | None = None) -> Result:
        info = ScriptInfo(create_app=main.create_app, set_debug_flag=False,
                          load_dotenv_defaults=False)
        result = CliRunner().invoke(main, list(args), input=input, obj=info)
        loaded: Flask | None = getattr(info, "_loaded_app", None)
        if loaded is not None:
            with loaded.app_context():
                db.engine.dispose()
        return result

    def ok(self, *args: str, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == 0, (result.output, result.exception)
        return result

    def json(self, *args: str, input: str | None = None) -> dict:
        """Run with --json: stdout must be exactly one JSON object."""
        document = json.loads(self.ok(*args, "--json", input=input).stdout)
        assert isinstance(document, dict)
        return document

    def fails(self, *args: str, words: tuple[str, ...] = (), input: str | None = None) -> str:
        """A clean refusal: non-zero exit, a message naming the problem, no traceback."""
        result = self(*args, input=input)
        assert result.exit_code != 0, result.output
        assert isinstance(result.exception, SystemExit), result.exception  # not a crash
        assert "Traceback" not in result.output, result.output
        for word in words:
            assert word in result.output, result.output
        return result.output


@pytest.fixture
def cli(cli_env: dict) -> Cli:
    return Cli()


@pytest.fixture
def initialized(cli: Cli) -> Cli:
    """`authserver init` has run: database at head; the key from the template is kept."""
    cli.ok("init")
    return cli


@pytest.fixture
def served(cli_env: dict, initialized: Cli) -> Iterator[FlaskClient]:
    """The HTTP side of the same database and keys, for logging in and refreshing."""
    app = create_app(cli_env)
    yield app.test_client()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_user(initialized: Cli) -> Callable[..., dict]:
    def make(email: str = "alice@example.com", password: str = PASSWORD) -> dict:
        return initialized.json("user", "create", email, "--name", "Alice",
                                "--password-stdin", input=password + "\n")
    return make


@pytest.fixture
def spa_id(initialized: Cli) -> str:
    return initialized.json("client", "create", "--name", "spa", "--public",
                            "--first-party")["client_id"]


def login(http: FlaskClient, client_id: str, username: str = "alice@example.com",
          password: str = PASSWORD):
    return http.post("/token", data={"grant_type": "password", "client_id": client_id,
                                     "username": username, "password": password})


def refresh(http: FlaskClient, client_id: str, refresh_token: str):
    return http.post("/token", data={"grant_type": "refresh_token", "client_id": client_id,
                                     "refresh_token": refresh_token})


def printed(output: str, label: str) -> str:
    """The value after `label:` in human-readable output."""
    match = re.search(rf"^\s*{re.escape(label)}:\s*(\S+)\s*$", output, re.MULTILINE)
    assert match, f"no {label!r} in output:\n{output}"
    return match.group(1)


def key_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}
