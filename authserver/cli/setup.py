"""`authserver init` and `authserver serve`."""

from __future__ import annotations

import os
from pathlib import Path

import click
import flask_migrate
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from .. import create_app
from ..clients import ensure_account_client, register_client
from ..clock import clock
from ..config import ConfigError
from ..crypto import new_token
from ..extensions import db
from ..keys import KeyFolderError, create_key, load_keys
from ..models import Client, User
from ..users import create_user

DEMO_CLIENT = "Demo SPA (first-party)"
DEMO_EMAIL = "demo@example.com"


@click.command()
@click.option("--demo", is_flag=True, help="Also create a demo first-party client and user.")
@with_appcontext
def init(demo: bool) -> None:
    """Migrate the database to head and create a signing key if there is none."""
    config = current_app.config
    Path(config["AUTHSERVER_INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    flask_migrate.upgrade(directory=config["AUTHSERVER_MIGRATIONS_DIR"])
    keys_dir = Path(config["AUTHSERVER_KEYS_DIR"])
    if keys_dir.is_dir() and any(keys_dir.glob("*.json")):
        try:
            found = load_keys(keys_dir, strict_mode=False)
        except KeyFolderError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"signing keys: {len(found)} in {keys_dir}")
    else:
        key = create_key(keys_dir, clock.now(), size=config["AUTHSERVER_KEY_SIZE"],
                         alg=config["AUTHSERVER_ACCESS_TOKEN_ALG"])
        click.echo(f"created signing key {key.kid} in {keys_dir} (mode 0600)")
    account = ensure_account_client(config["AUTHSERVER_ISSUER"],
                                    config["AUTHSERVER_SCOPES"].split())
    db.session.commit()
    click.echo(f"account page: {config['AUTHSERVER_ISSUER']}/account (client {account.client_id})")
    if demo:
        _ensure_demo(config)


def _ensure_demo(config: dict) -> None:
    issuer = config["AUTHSERVER_ISSUER"]
    demo_client = db.session.scalar(select(Client).where(Client.name == DEMO_CLIENT))
    demo_user = User.find_by_email(DEMO_EMAIL)
    if demo_client and demo_user:
        click.echo(f"demo client {demo_client.client_id} and user {DEMO_EMAIL} exist; their "
                   f"password was shown when they were created (reset it with `authserver user "
                   f"set-password {DEMO_EMAIL}`)")
        return
    if demo_client is None:
        demo_client, _ = register_client(
            DEMO_CLIENT, public=True, first_party=True, grant_types=(), scope=None,
            server_scopes=config["AUTHSERVER_SCOPES"].split(), auth_method=None)
    password = None  # an existing user keeps the password shown when it was created
    if demo_user is None:
        password = new_token()[:20]
        create_user(DEMO_EMAIL, password, "Demo User", config["AUTHSERVER_PASSWORD_MAX_LENGTH"])
    db.session.commit()
    click.echo(_walkthrough(issuer, demo_client.client_id, password))


def _walkthrough(issuer: str, client_id: str, password: str | None) -> str:
    """Commands a new user can paste as they are: log in, call an API, refresh."""
    shown = password or "unchanged (shown when the user was created)"
    return f"""
Demo first-party client and user (shown once):
  client_id: {client_id}
  username:  {DEMO_EMAIL}
  password:  {shown}

Try it in another terminal (log in, call /userinfo, refresh):
  AS={issuer} CLIENT_ID={client_id} PASSWORD='{password or "<demo password>"}'
  field() {{ python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }}
  curl -s $AS/token -d grant_type=password -d client_id=$CLIENT_ID \\
       -d username={DEMO_EMAIL} -d password="$PASSWORD" -d 'scope=openid profile email' \\
       -w '\\n' | tee login.json
  curl -s -w '\\n' $AS/userinfo -H "Authorization: Bearer $(field access_token < login.json)"
  curl -s -w '\\n' $AS/token -d grant_type=refresh_token -d client_id=$CLIENT_ID \\
       -d refresh_token=$(field refresh_token < login.json)
"""


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=int, help="Default: the number of CPUs.")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker (gthread workers when above 1).")
@click.option("--timeout", default=30, show_default=True, type=int,
              help="Seconds before a stuck worker is replaced; also the graceful-stop time.")
def serve(host: str, port: int, workers: int | None, threads: int, timeout: int) -> None:
    """Serve with gunicorn (production settings)."""
    from gunicorn.app.base import BaseApplication

    try:
        app = create_app()
    except (ConfigError, KeyFolderError) as exc:
        raise click.ClickException(str(exc)) from None

    class Server(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"{host}:{port}",
                "workers": workers or os.cpu_count() or 1,
                "threads": threads,
                "timeout": timeout,
                "graceful_timeout": timeout,
                "keepalive": 5,
                "preload_app": True,
                "post_fork": _post_fork,
                "accesslog": "-",
                # the path without the query string: nothing secret reaches the log
                "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
            }
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self) -> Flask:
            return app

    def _post_fork(_server, _worker) -> None:
        with app.app_context():
            db.engine.dispose(close=False)  # no connection is shared across fork

    Server().run()
