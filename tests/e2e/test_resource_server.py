"""authserver.resource against the real server: offline verification through discovery and
/jwks, and introspection (RFC 7662) at the real /introspect, where a revoked token stops
working at once while offline verification keeps accepting it until it expires."""

from __future__ import annotations

import pytest
import requests

from authserver.resource import (
    IntrospectionVerifier,
    InvalidToken,
    IssuerUnavailable,
    TokenVerifier,
)
from tests.rfc7009.helpers import register

from .helpers import TIMEOUT, frontend_session, login


@pytest.fixture
def orders_api(app):
    """The resource server's own confidential client, allowed to introspect."""
    return register(app, "orders api", resource_server=True)


def test_offline_and_introspection_verifiers_against_the_server(server, spa, alice,
                                                                orders_api) -> None:
    access_token = login(frontend_session(spa), server)["access_token"]
    offline = TokenVerifier(server.url, server.url)  # aud defaults to the issuer
    online = IntrospectionVerifier(server.url, orders_api.client_id, orders_api.secret,
                                   audience=server.url)
    for verifier in (offline, online):
        token = verifier.verify(access_token, ["profile"])
        assert token.subject == alice
        assert token.client_id == spa.client_id
        assert {"openid", "profile", "email"} <= token.scopes

    revoked = requests.post(f"{server.url}/revoke", timeout=TIMEOUT,
                            data={"token": access_token, "client_id": spa.client_id})
    assert revoked.status_code == 200
    with pytest.raises(InvalidToken, match="not active"):
        online.verify(access_token)
    assert offline.verify(access_token).subject == alice  # offline: valid until it expires


def test_introspection_with_wrong_credentials_is_unavailable_not_invalid(server, spa, alice,
                                                                         orders_api) -> None:
    """A misconfigured resource server must not tell its clients their tokens are bad."""
    access_token = login(frontend_session(spa), server)["access_token"]
    online = IntrospectionVerifier(server.url, orders_api.client_id, "wrong secret")
    with pytest.raises(IssuerUnavailable, match="HTTP 401"):
        online.verify(access_token)
