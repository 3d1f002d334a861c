"""The `authserver` command: parse, call the domain modules, print. Errors exit non-zero."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from .. import create_app
from ..config import ConfigError
from ..keys import KeyFolderError
from .clients import client
from .keys import keys
from .setup import init, serve
from .users import user


def _factory():
    try:
        return create_app(with_keys=False)
    except (ConfigError, KeyFolderError) as exc:
        raise click.ClickException(str(exc)) from None


main = FlaskGroup(name="authserver", create_app=_factory, add_default_commands=False,
                  load_dotenv=False, add_version_option=False,
                  help="Run and manage the authserver authorization server.")
main.params.clear()  # no --app/--env-file/--debug: the app is always ours
for command in (init, serve, user, client, keys):
    main.add_command(command)
