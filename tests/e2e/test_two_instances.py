"""Several instances behave as one: two real `authserver serve` processes on their own ports,
one issuer (the load balancer's address), one database and one keys folder, as
docker-compose.yml runs them. Whatever one instance did, the other knows at once: refresh
rotation and reuse detection, revocation, the published keys (RL-11).
"""

from __future__ import annotations

import jwt
import pytest
import requests
from jwt import PyJWKClient

from tests.conftest import Registered, backends
from tests.rfc7009.helpers import register
from tests.web.metrics_text import sample

from .conftest import LiveServer, free_port
from .helpers import (
    TIMEOUT,
    assert_invalid_grant,
    frontend_session,
    login,
    refresh,
    unverified_claims,
    userinfo,
)


@pytest.fixture
def issuer() -> str:
    """Where the load balancer would be; neither instance's own address."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def pair(serve, issuer: str) -> tuple[LiveServer, LiveServer]:
    # strict rotation: replaying a spent token is reuse at once, not a retry in the window
    shared = {"AUTHSERVER_ISSUER": issuer, "AUTHSERVER_REFRESH_GRACE_SECONDS": "0"}
    return serve(**shared), serve(**shared)


@pytest.fixture
def orders_api(app) -> Registered:
    return register(app, "orders api", resource_server=True)


def metrics(server: LiveServer) -> str:
    return requests.get(f"{server.url}/metrics", timeout=TIMEOUT).text


def introspect(server: LiveServer, api: Registered, token: str) -> dict:
    response = requests.post(f"{server.url}/introspect", data={"token": token},
                             auth=(api.client_id, api.secret), timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def revoke(server: LiveServer, client: Registered, token: str) -> None:
    response = requests.post(f"{server.url}/revoke",
                             data={"token": token, "client_id": client.client_id},
                             timeout=TIMEOUT)
    assert response.status_code == 200, response.text


@backends
def test_refresh_on_b_then_replay_on_a_revokes_the_family_on_both(pair, spa, alice):
    a, b = pair
    first = login(frontend_session(spa), a)
    rotated = refresh(b, spa, first["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert userinfo(a, second["access_token"]).status_code == 200  # B's token works on A

    assert_invalid_grant(refresh(a, spa, first["refresh_token"]))  # reuse, seen by A
    assert '"event":"refresh.reuse_detected"' in a.log()
    reuse = "authserver_refresh_reuse_detected_total"
    assert [sample(metrics(server), reuse) for server in (a, b)] == [1, 0]  # per instance

    for server in (a, b):  # the whole login is over, wherever it is presented
        assert_invalid_grant(refresh(server, spa, second["refresh_token"]))
        assert userinfo(server, second["access_token"]).status_code == 401
        assert userinfo(server, first["access_token"]).status_code == 401


@backends
def test_revocation_on_a_is_seen_by_introspection_on_b(pair, spa, alice, orders_api):
    a, b = pair
    user_login = login(frontend_session(spa), a)
    other_login = login(frontend_session(spa), b)
    for token in (user_login["access_token"], other_login["access_token"]):
        assert introspect(b, orders_api, token)["active"] is True

    revoke(a, spa, user_login["refresh_token"])  # ends that login's family
    revoke(a, spa, other_login["access_token"])  # denies that one access token by its jti

    for server in (a, b):
        assert introspect(server, orders_api, user_login["access_token"]) == {"active": False}
        assert introspect(server, orders_api, other_login["access_token"]) == {"active": False}
    assert_invalid_grant(refresh(b, spa, user_login["refresh_token"]))
    assert refresh(b, spa, other_login["refresh_token"]).status_code == 200  # only the AT went


def test_both_publish_the_same_keys_and_metadata(pair, spa, alice, issuer: str):
    a, b = pair
    jwks_a, jwks_b = (requests.get(f"{s.url}/jwks", timeout=TIMEOUT) for s in pair)
    assert jwks_a.json() == jwks_b.json() and jwks_a.json()["keys"]
    assert jwks_a.headers["ETag"] == jwks_b.headers["ETag"]
    metadata = [requests.get(f"{s.url}/.well-known/openid-configuration", timeout=TIMEOUT).json()
                for s in pair]
    assert metadata[0] == metadata[1] and metadata[0]["issuer"] == issuer

    token = login(frontend_session(spa), a)["access_token"]
    key = PyJWKClient(f"{b.url}/jwks").get_signing_key_from_jwt(token)  # A's token, B's keys
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=issuer, issuer=issuer)
    assert claims == unverified_claims(token)
