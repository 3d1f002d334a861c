"""DESIGN: the issuer is byte-identical in discovery and in every token, however it was typed."""

from __future__ import annotations

import jwt
import pytest

ISSUER = "https://auth.example.com/tenant"


@pytest.fixture
def settings(settings: dict) -> dict:
    return settings | {"AUTHSERVER_ISSUER": ISSUER + "/"}


def test_trailing_slash_is_dropped_everywhere_alike(http, tokens, spa, alice) -> None:
    metadata = http.get("/.well-known/openid-configuration").json
    assert metadata["issuer"] == ISSUER
    assert metadata["token_endpoint"] == ISSUER + "/token"
    assert http.get("/.well-known/oauth-authorization-server").json["issuer"] == ISSUER

    response = tokens.login(spa)
    assert response.status_code == 200, response.json
    claims = jwt.decode(response.json["access_token"], options={"verify_signature": False})
    assert claims["iss"] == ISSUER
    assert claims["aud"] == ISSUER
