"""Refresh-cookie mode: a first-party web app whose refresh token lives in an HttpOnly cookie."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Registered
from tests.rfc7009.helpers import register

from .frontend import ORIGIN, Frontend, cookie_name


@pytest.fixture(autouse=True, params=["session", "driver"])
def transaction(request, settings) -> str:
    """Every test twice: POST /refresh in the session's transaction (the client read from the
    database) and in a driver transaction of its own (a cached client: models/hot_path.py)."""
    settings["AUTHSERVER_CLIENT_CACHE_SECONDS"] = 0 if request.param == "session" else 60
    return request.param


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    """No cookie jar: each tab sends the cookie it holds, explicitly."""
    return app.test_client(use_cookies=False)


@pytest.fixture
def web_app(app: Flask) -> Registered:
    return register(app, "web app", first_party=True, refresh_cookie=True,
                    cors_origins=[ORIGIN])


@pytest.fixture
def resource_server(app: Flask) -> Registered:
    return register(app, "orders api", resource_server=True)


@pytest.fixture
def tab(app: Flask, http: FlaskClient, web_app: Registered, alice: str) -> Frontend:
    """A browser tab of the web app, not signed in yet."""
    return Frontend(http, web_app, ORIGIN, cookie_name(app))


@pytest.fixture
def signed_in(tab: Frontend) -> dict:
    """The tab signed in: the login's JSON body (the refresh token is in tab.cookie)."""
    response = tab.login()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert tab.cookie
    return response.get_json()
