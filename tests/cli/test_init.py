"""`authserver init [--demo]`: the first of the README's two commands, safe to run again."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from authserver import create_app
from authserver.extensions import db
from tests.conftest import backends

from .conftest import Cli, key_files, login, printed


def migrated_tables(database_url: str) -> tuple[set[str], list[str]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            versions = [row[0] for row in conn.execute(text("SELECT version_num "
                                                            "FROM alembic_version"))]
    finally:
        engine.dispose()
    return tables, versions


@pytest.fixture
def fresh_keys(cli_env: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A key folder that does not exist yet, as on a new laptop."""
    folder = tmp_path / "new-keys"
    monkeypatch.setenv("AUTHSERVER_KEYS_DIR", str(folder))
    cli_env["AUTHSERVER_KEYS_DIR"] = str(folder)
    return folder


@backends
def test_init_migrates_and_creates_one_private_key(cli: Cli, fresh_keys: Path,
                                                   database_url: str) -> None:
    output = cli.ok("init").output
    tables, versions = migrated_tables(database_url)
    assert {"user", "client", "token_family", "refresh_token"} <= tables
    assert versions == [migrations_head()]

    pems = list(fresh_keys.glob("*.pem"))
    assert len(pems) == 1 and len(list(fresh_keys.glob("*.json"))) == 1
    assert stat.S_IMODE(pems[0].stat().st_mode) == 0o600
    assert pems[0].stem in output


def test_init_again_keeps_the_key(cli: Cli, fresh_keys: Path) -> None:
    cli.ok("init")
    before = key_files(fresh_keys)
    output = cli.ok("init").output
    assert key_files(fresh_keys) == before
    assert "signing keys: 1" in output


def test_init_keeps_an_existing_key(cli: Cli, keys_dir: Path) -> None:
    before = key_files(keys_dir)
    cli.ok("init")
    assert key_files(keys_dir) == before


def migrations_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from authserver import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def demo_login(cli_env: dict, output: str, password: str | None = None):
    """Log in with the client_id, username and password that init printed."""
    app = create_app(cli_env)
    try:
        response = login(app.test_client(), printed(output, "client_id"), "demo@example.com",
                         password or printed(output, "password"))
    finally:
        with app.app_context():
            db.engine.dispose()
    return response


@backends
def test_init_demo_prints_a_client_a_user_and_working_commands(cli: Cli, cli_env: dict,
                                                               fresh_keys: Path) -> None:
    output = cli.ok("init", "--demo").output
    client_id = printed(output, "client_id")
    assert printed(output, "username") == "demo@example.com"
    issuer = "http://127.0.0.1:8000"
    assert f"AS={issuer} CLIENT_ID={client_id}" in output
    assert "curl -s $AS/token -d grant_type=password -d client_id=$CLIENT_ID" in output
    assert "$AS/userinfo" in output and "grant_type=refresh_token" in output
    response = demo_login(cli_env, output)
    assert response.status_code == 200, response.json  # the printed credentials work


@backends
def test_init_demo_again_creates_nothing_new(cli: Cli, fresh_keys: Path) -> None:
    first = cli.ok("init", "--demo").output
    keys_before = key_files(fresh_keys)
    again = cli.ok("init", "--demo").output
    assert "exist" in again
    assert printed(first, "client_id") in again
    assert "password:" not in again  # it was shown once; never a made-up one
    assert key_files(fresh_keys) == keys_before
    assert len(cli.json("client", "list")["clients"]) == 2  # the demo's and the account page's
    assert [u["email"] for u in cli.json("user", "list")["users"]] == ["demo@example.com"]


def test_init_demo_after_the_client_was_deleted_prints_no_false_password(
        cli: Cli, cli_env: dict, fresh_keys: Path) -> None:
    """The user still exists, so init must not print a fresh password it never set."""
    first = cli.ok("init", "--demo").output
    password = printed(first, "password")
    cli.ok("client", "delete", printed(first, "client_id"))
    again = cli.ok("init", "--demo").output
    assert printed(again, "client_id") != printed(first, "client_id")
    assert len(cli.json("user", "list")["users"]) == 1
    line = re.search(r"^\s*password:\s*(.*)$", again, re.MULTILINE)
    assert line is None or "unchanged" in line.group(1) or line.group(1) == password, again
    assert demo_login(cli_env, again, password).status_code == 200
