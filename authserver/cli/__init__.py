"""The `authserver` command: parse, call the domain modules, print. Errors exit non-zero."""

from __future__ import annotations

from typing import IO, Any

import click
from flask.cli import FlaskGroup, NoAppException
from sqlalchemy.exc import SQLAlchemyError

from .. import create_app
from ..config import ConfigError
from ..database import driver_message
from ..keys import KeyFolderError
from .clients import client
from .consents import consent
from .keys import keys
from .purge import purge_command
from .serve import serve
from .setup import init
from .users import user


class SettingsError(NoAppException):
    """A bad setting, shown as one line with exit 1.

    A NoAppException because Flask prints a traceback for any other error raised while
    `authserver --help` loads the app to list its commands.
    """

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        click.ClickException.show(self, file)  # no "Usage:" lines: not a usage mistake


def _factory():
    try:
        return create_app(with_keys=False)
    except (ConfigError, KeyFolderError) as exc:
        raise SettingsError(str(exc)) from None


class AuthserverGroup(FlaskGroup):
    """Turns what the operator's environment gets wrong into one line and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SQLAlchemyError as exc:
            raise click.ClickException(
                f"database error: {driver_message(exc)} (is the database reachable, and "
                f"migrated with `authserver init`?)") from None
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            raise click.ClickException(f"{exc.strerror or exc}{where}") from None


main = AuthserverGroup(name="authserver", create_app=_factory, add_default_commands=False,
                       load_dotenv=False, add_version_option=False,
                       help="Run and manage the authserver authorization server.")
main.params.clear()  # no --app/--env-file/--debug: the app is always ours
for command in (init, serve, user, client, consent, keys, purge_command):
    main.add_command(command)
