"""IntrospectionVerifier: RFC 7662 from the resource server's side, against a stub endpoint
that records what it was sent."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import pytest

from authserver.resource import IntrospectionVerifier
from tests.e2e.helpers import bearer_challenge

from .conftest import AUDIENCE, NOW, StubIssuer, resource_app

ACTIVE = {"active": True, "token_type": "Bearer", "scope": "openid orders:read",
          "client_id": "spa", "sub": "user-1", "aud": AUDIENCE, "iat": NOW, "exp": NOW + 300,
          "jti": "j-1"}


@pytest.fixture
def introspecting(issuer: StubIssuer, clock) -> IntrospectionVerifier:
    issuer.introspection = (200, {**ACTIVE, "iss": issuer.url})
    return IntrospectionVerifier(issuer.url, "orders-api", "s3cret/+:=", audience=AUDIENCE,
                                 clock=clock)


def call(issuer: StubIssuer, verifier: IntrospectionVerifier, token: str = "opaque-or-jwt"):
    api = resource_app(verifier).test_client()
    return api.get("/orders", headers={"Authorization": f"Bearer {token}"})


def test_an_active_token_is_accepted(issuer: StubIssuer, introspecting) -> None:
    response = call(issuer, introspecting, "the-token")
    assert response.status_code == 200, response.json
    assert response.json == {"sub": "user-1", "client_id": "spa"}
    (method, path, headers, body) = issuer.requests[-1]
    assert (method, path) == ("POST", "/introspect")
    assert parse_qs(body.decode()) == {"token": ["the-token"], "token_type_hint": ["access_token"]}
    scheme, _, credentials = headers["Authorization"].partition(" ")
    assert scheme == "Basic"  # RFC 6749 §2.3.1: each part form-urlencoded first
    assert base64.b64decode(credentials).decode() == "orders-api:s3cret%2F%2B%3A%3D"
    assert issuer.paths() == ["/.well-known/oauth-authorization-server"]  # endpoint discovered


def test_every_call_asks_the_issuer(issuer: StubIssuer, introspecting) -> None:
    """No caching: a revoked token stops working on the next request."""
    for _ in range(3):
        assert call(issuer, introspecting).status_code == 200
    issuer.introspection = (200, {"active": False})
    response = call(issuer, introspecting)
    assert response.status_code == 401
    assert bearer_challenge(response)["error_description"] == "the access token is not active"
    assert len(issuer.paths("POST")) == 4


@pytest.mark.parametrize(("answer", "status", "words"), [
    ({"active": "true"}, 401, "not active"),
    ({}, 401, "not active"),
    ({"token_type": "refresh_token"}, 401, "not an access token"),
    ({"iss": "https://evil.example"}, 401, "another issuer"),
    ({"aud": "https://other-api.example.com"}, 401, "another audience"),
    ({"exp": NOW - 31}, 401, "expired"),
    ({"scope": "openid"}, 403, "lacks a required scope"),
])
def test_answers_that_do_not_fit_are_refused(issuer: StubIssuer, introspecting,
                                             answer: dict, status: int, words: str) -> None:
    base = {} if "active" in answer or not answer else issuer.introspection[1]
    issuer.introspection = (200, base | answer)
    response = call(issuer, introspecting)
    assert response.status_code == status
    assert words in bearer_challenge(response)["error_description"]


@pytest.mark.parametrize("status", [401, 500])
def test_a_failing_endpoint_is_503(issuer: StubIssuer, introspecting, status: int) -> None:
    """Wrong client credentials or a broken issuer are the API's problem, not the token's."""
    issuer.introspection = (status, {"error": "invalid_client"})
    assert call(issuer, introspecting).status_code == 503


def test_an_oversized_token_is_not_sent(issuer: StubIssuer, introspecting) -> None:
    assert call(issuer, introspecting, "a" * 9000).status_code == 401
    assert issuer.paths("POST") == []
