"""authserver: an OAuth 2.0 / OpenID Connect authorization server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from . import logs, metrics, passwords
from .clock import clock
from .config import is_production, load_config
from .extensions import init_extensions
from .flask_app import AuthServerFlask
from .keys import KeyPolicy, KeyRing
from .models import hot_path

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(overrides: dict[str, Any] | None = None, with_keys: bool = True) -> Flask:
    """The only composition root: config -> extensions -> keys -> oauth -> blueprints -> cli.

    with_keys=False builds an app for commands that run before a key exists (`init`, `db`).
    """
    app = AuthServerFlask(__name__, instance_relative_config=False)
    app.config.update(load_config(overrides))
    app.config.setdefault("AUTHSERVER_MIGRATIONS_DIR", str(MIGRATIONS_DIR))
    configure_logging(app)
    metrics.init_app(app)
    passwords.configure(app.config["AUTHSERVER_PASSWORD_HASH_CONCURRENCY"],
                        app.config["AUTHSERVER_PASSWORD_HASH_WAIT"])
    init_extensions(app)
    hot_path.init_app(app)
    if with_keys:
        init_keys(app)
    from .web import register_blueprints

    register_blueprints(app)
    return app


def init_keys(app: Flask) -> None:
    from .oauth.server import init_oauth

    config = app.config
    keyring = KeyRing(Path(config["AUTHSERVER_KEYS_DIR"]), strict_mode=is_production(config),
                      policy=KeyPolicy.from_config(config))
    keyring.rotate_if_due(clock.now())  # at start; then at every reload check
    app.extensions["authserver.keys"] = keyring
    init_oauth(app, keyring)


def configure_logging(app: Flask) -> None:
    logs.configure(app.config["AUTHSERVER_LOG_LEVEL"], app.config["AUTHSERVER_LOG_FORMAT"])
