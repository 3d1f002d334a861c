"""Revocation fixtures: a signed-in first-party frontend, and a resource server that
introspects what revocation left alive."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Registered

from .helpers import password_login, register


@pytest.fixture
def resource_server(app: Flask) -> Registered:
    return register(app, "orders api", resource_server=True)


@pytest.fixture
def portal(make_client) -> Registered:
    """A confidential first-party client (client_secret_basic)."""
    return make_client("portal", first_party=True)


@pytest.fixture
def session(http: FlaskClient, spa: Registered, alice: str) -> dict:
    """A login of the public first-party client: its access and refresh token."""
    return password_login(http, spa)
