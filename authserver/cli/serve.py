"""`authserver serve`: the app under a production HTTP server, granian (default) or gunicorn.

Both preload the app in the parent, so a bad setting or key folder stops the command before a
worker starts, and each worker drops the database connections it inherited. Neither server
writes an access log: the app does (web/access.py), one line per request with its request id
and the client IP behind the trusted proxies, never a query string (it can carry secrets).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import Flask

from .. import create_app
from ..config import ConfigError
from ..extensions import db
from ..keys import KeyFolderError
from ..logs import use_format_for
from ..metrics import multiprocess_dir
from ..sqlite_checkpoints import checkpoint_in_background
from .setup import wait_for_database_or_exit


@dataclass(frozen=True)
class Serving:
    host: str
    port: int
    workers: int
    #: requests a worker runs at once
    threads: int
    timeout: int
    log_format: str = "text"
    #: AUTHSERVER_TRUSTED_PROXIES: whether forwarded headers may be believed at all
    trusted_proxies: int = 0


def default_threads(app: Flask) -> int:
    """One on SQLite, which serialises writers anyway (BEGIN IMMEDIATE): more threads would
    only queue on its lock, and one keeps p99 tight. On PostgreSQL a commit waits for the WAL
    flush (4-6 ms on a plain disk) with the GIL released, so threads overlap those waits: one
    per pooled connection (more would open and close a connection per request)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return 1
    return app.config["AUTHSERVER_DB_POOL_SIZE"]


def _forked(app: Flask) -> Flask:
    """In a new worker: no database connection is shared across fork (bench/floor_app.py
    serves an app without one, the same way), and on SQLite the WAL checkpoints run in a
    thread of the worker's own (sqlite_checkpoints.py)."""
    if "sqlalchemy" in app.extensions:
        with app.app_context():
            db.engine.dispose(close=False)
            app.extensions["authserver.sqlite_checkpoints"] = checkpoint_in_background(
                db.engine, app.config["AUTHSERVER_SQLITE_CHECKPOINT_SECONDS"])
    return app


def run_granian(app: Flask, serving: Serving) -> None:
    """The HTTP work (parsing, keep-alive, the access log's timing) is Rust; the app runs
    in `threads` blocking threads per worker."""
    from granian.constants import Interfaces
    from granian.server import Server

    server = Server(
        "authserver", address=serving.host, port=serving.port, interface=Interfaces.WSGI,
        workers=serving.workers, blocking_threads=serving.threads, websockets=False,
        log_access=False, log_dictconfig=_granian_logging(serving.log_format),
        workers_kill_timeout=serving.timeout, respawn_failed_workers=True)
    server.serve(target_loader=lambda *_: _forked(app), wrap_loader=False)


def _granian_logging(log_format: str) -> dict:
    """Granian's own lines (start, workers, signals) in our format, on stderr like ours."""
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"authserver": {"()": "authserver.logs.formatter",
                                      "log_format": log_format}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "authserver",
                                "stream": "ext://sys.stderr"}},
        "loggers": {"_granian": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
    }


def run_gunicorn(app: Flask, serving: Serving) -> None:
    """Sync workers, or gthread ones when threads > 1."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.glogging import Logger

    class Log(Logger):
        """Gunicorn's own lines (start, workers, signals) in our format, from the first."""

        def setup(self, cfg) -> None:
            super().setup(cfg)
            use_format_for(self.error_log, serving.log_format)

    class Server(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"{serving.host}:{serving.port}",
                "workers": serving.workers,
                "threads": serving.threads,
                "timeout": serving.timeout,
                "graceful_timeout": serving.timeout,
                "keepalive": 5,
                "preload_app": True,
                "logger_class": Log,
                "post_fork": lambda _server, _worker: _forked(app),
                "accesslog": None,
                # X-Forwarded-Proto & co. only from a proxy the operator said is there (the
                # issuer never comes from them anyway); none when the peer is the client
                "forwarded_allow_ips": "*" if serving.trusted_proxies else "",
            }
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self) -> Flask:
            return app

    Server().run()


RUNNERS: dict[str, Callable[[Flask, Serving], None]] = {
    "granian": run_granian, "gunicorn": run_gunicorn}


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="0.0.0.0 in a container, behind the load balancer.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=int, help="Default: the number of CPUs it may use.")
@click.option("--threads", type=click.IntRange(min=1),
              help="Requests each worker runs at once. Default: 1 on SQLite, "
                   "AUTHSERVER_DB_POOL_SIZE on PostgreSQL.")
@click.option("--timeout", default=30, show_default=True, type=int,
              help="Seconds a worker gets to finish its requests when stopping; gunicorn also "
                   "replaces a worker stuck in one request that long.")
@click.option("--server", type=click.Choice(tuple(RUNNERS)), default="granian", show_default=True,
              help="granian: about 3 times gunicorn's requests per core (README, "
                   "Performance); gunicorn: each request in its own connection.")
def serve(host: str, port: int, workers: int | None, threads: int | None, timeout: int,
          server: str) -> None:
    """Serve with production settings; waits for the database first (bounded)."""
    with multiprocess_dir():  # before any metric exists
        try:
            app = create_app()
        except (ConfigError, KeyFolderError) as exc:
            raise click.ClickException(str(exc)) from None
        wait_for_database_or_exit(app)
        RUNNERS[server](app, Serving(
            host, port, workers or _cpus(), threads or default_threads(app), timeout,
            app.config["AUTHSERVER_LOG_FORMAT"], app.config["AUTHSERVER_TRUSTED_PROXIES"]))


def _cpus() -> int:
    """The CPUs this process may run on (a container's or taskset's share), not the host's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
