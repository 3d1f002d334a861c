"""`authserver serve`: the app under a production HTTP server, granian (default) or gunicorn.

Both preload the app in the parent, so a bad setting or key folder stops the command before a
worker starts, and each worker drops the database connections it inherited. Both log one
access line per request with the path only: a query string can carry secrets.
"""

from __future__ import annotations

import os

import click
from flask import Flask

from .. import create_app
from ..config import ConfigError
from ..extensions import db
from ..keys import KeyFolderError


def _forked(app: Flask) -> Flask:
    """In a new worker: no database connection is shared across fork (bench/floor_app.py
    serves an app without one, the same way)."""
    if "sqlalchemy" in app.extensions:
        with app.app_context():
            db.engine.dispose(close=False)
    return app


def run_granian(app: Flask, host: str, port: int, workers: int, timeout: int) -> None:
    """One request at a time per worker (as gunicorn sync): the app is CPU-bound, and a
    single blocking thread keeps p99 tight. The HTTP work (parsing, keep-alive) is Rust."""
    from granian.constants import Interfaces
    from granian.server import Server

    server = Server(
        "authserver", address=host, port=port, interface=Interfaces.WSGI, workers=workers,
        blocking_threads=1, websockets=False, log_access=True,
        log_access_format='%(addr)s "%(method)s %(path)s" %(status)d %(dt_ms).0fms',
        workers_kill_timeout=timeout, respawn_failed_workers=True)
    server.serve(target_loader=lambda *_: _forked(app), wrap_loader=False)


def run_gunicorn(app: Flask, host: str, port: int, workers: int, timeout: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "timeout": timeout,
                "graceful_timeout": timeout,
                "keepalive": 5,
                "preload_app": True,
                "post_fork": lambda _server, _worker: _forked(app),
                "accesslog": "-",
                "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
            }
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self) -> Flask:
            return app

    Server().run()


RUNNERS = {"granian": run_granian, "gunicorn": run_gunicorn}


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=int, help="Default: the number of CPUs.")
@click.option("--timeout", default=30, show_default=True, type=int,
              help="Seconds a worker gets to finish its requests when stopping; gunicorn also "
                   "replaces a worker stuck in one request that long.")
@click.option("--server", type=click.Choice(tuple(RUNNERS)), default="granian", show_default=True,
              help="granian: about 3 times gunicorn's requests per core (README, "
                   "Performance); gunicorn: sync workers, each request in its own connection.")
def serve(host: str, port: int, workers: int | None, timeout: int, server: str) -> None:
    """Serve with production settings."""
    try:
        app = create_app()
    except (ConfigError, KeyFolderError) as exc:
        raise click.ClickException(str(exc)) from None
    RUNNERS[server](app, host, port, workers or os.cpu_count() or 1, timeout)
