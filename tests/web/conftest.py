"""The pages' fixtures: a third-party client to consent to, a browser signed in as Alice."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, Registered
from tests.support.browser_login import login


@pytest.fixture
def photos(make_client) -> Registered:
    return make_client("Photo Prints")


@pytest.fixture
def signed_in(http: FlaskClient, alice: str) -> FlaskClient:
    """Flask's test client after Alice signed in through the form (it holds the cookie)."""
    login(http, "", "alice@example.com", PASSWORD)
    return http
