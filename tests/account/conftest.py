"""The account page's own client, signed in from the issuer's origin in refresh-cookie mode."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from authserver import create_app
from authserver.clients import ensure_account_client, issuer_origin
from authserver.extensions import db

# `authserver init` itself, run the way tests/cli runs it
from tests.cli.conftest import cli, cli_env, initialized  # noqa: F401
from tests.conftest import Registered
from tests.cookie_mode.frontend import Frontend, cookie_name
from tests.rfc7009.helpers import register


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    """No cookie jar: the page's tab sends the cookie it holds, explicitly."""
    return app.test_client(use_cookies=False)


@pytest.fixture
def account_client(app: Flask) -> Registered:
    """What `authserver init` creates (see test_page for init itself)."""
    with app.app_context():
        client = ensure_account_client(app.config["AUTHSERVER_ISSUER"],
                                       app.config["AUTHSERVER_SCOPES"].split())
        db.session.commit()
        return Registered(client.client_id, None)


@pytest.fixture
def page(app: Flask, http: FlaskClient, account_client: Registered, alice: str) -> Frontend:
    """The /account page's tab, signed in as Alice."""
    tab = Frontend(http, account_client, issuer_origin(app.config["AUTHSERVER_ISSUER"]),
                   cookie_name(app))
    response = tab.login(**{"User-Agent": "Firefox/140 (account page)"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return tab


@pytest.fixture
def resource_server(app: Flask) -> Registered:
    return register(app, "orders api", resource_server=True)


@pytest.fixture
def after_init(cli_env: dict, initialized) -> Iterator[FlaskClient]:  # noqa: F811
    """The HTTP side of a server on which only `authserver init` has run."""
    app = create_app(cli_env)
    yield app.test_client(use_cookies=False)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
