"""Introspection requests and the one answer for every token a caller may not use."""

from __future__ import annotations

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import Registered
from tests.rfc6749.checks import assert_token_headers
from tests.rfc7009.helpers import authenticated

#: IN-03: no other member, so nothing is learnt about why
INACTIVE = {"active": False}


def introspect(http: FlaskClient, client: Registered, token: str, **extra: str) -> TestResponse:
    return http.post("/introspect", **authenticated(client, {"token": token, **extra}))


def assert_active(response: TestResponse) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_token_headers(response)
    body = response.get_json()
    assert body["active"] is True, body
    return body


def assert_inactive(response: TestResponse) -> None:
    """IN-03, IN-04: exactly {"active": false}, with the no-store headers (HD-01)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_token_headers(response)
    assert response.get_json() == INACTIVE
