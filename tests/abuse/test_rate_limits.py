"""Rate limits per IP, per client and per account (BF-05, BF-06): 429 + Retry-After + a JSON
`rate_limited` error, checked before any password hash; counters in memory or in Redis."""

from __future__ import annotations

import pytest

from authserver import create_app
from authserver.config import ConfigError
from tests.conftest import PASSWORD
from tests.rfc6749.checks import assert_oauth_error, basic_auth
from tests.rfc7009.helpers import register
from tests.rfc7662.helpers import introspect

from .conftest import event_names


def from_ip(ip: str) -> dict:
    return {"environ_overrides": {"REMOTE_ADDR": ip}}


def machine_token(tokens, client, ip: str = "127.0.0.1"):
    return tokens.post({"grant_type": "client_credentials"},
                       auth=(client.client_id, client.secret), **from_ip(ip))


def login(tokens, client, ip: str = "127.0.0.1", **form: str):
    return tokens.post({"grant_type": "password", "client_id": client.client_id,
                        "username": "alice@example.com", "password": PASSWORD, **form},
                       **from_ip(ip))


def assert_rate_limited(response) -> int:
    """429, RFC-style JSON error, no-store, and a Retry-After in whole seconds."""
    body = assert_oauth_error(response, 429, "rate_limited")
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 61, seconds
    assert str(seconds) in body["error_description"]
    return seconds


@pytest.mark.settings(AUTHSERVER_RATE_LIMIT_PER_IP="3/minute")
def test_per_ip_limit_answers_429_with_retry_after(storage, tokens, machine, audit_events):
    answers = [machine_token(tokens, machine, "203.0.113.7") for _ in range(4)]

    assert [r.status_code for r in answers[:3]] == [200, 200, 200]
    assert_rate_limited(answers[3])
    assert machine_token(tokens, machine, "203.0.113.8").status_code == 200
    assert "rate_limit.exceeded" in event_names(audit_events())  # the alert of BF-05


@pytest.mark.settings(AUTHSERVER_RATE_LIMIT_PER_IP="3/minute")
def test_password_spraying_from_one_ip_is_throttled_BF05(tokens, spa, make_user, hashes):
    """One attempt against each of many accounts: the per-IP limit stops the spray."""
    answers = [login(tokens, spa, "198.51.100.1", username=f"user{i}@example.com",
                     password="Summer2026!") for i in range(6)]

    assert [r.status_code for r in answers] == [400, 400, 400, 429, 429, 429]
    assert len(hashes) == 3  # the throttled attempts never reached argon2


@pytest.mark.settings(AUTHSERVER_RATE_LIMIT_PER_CLIENT="2/minute")
def test_per_client_limit_counts_the_presented_client_id(storage, tokens, machine, make_client):
    other = make_client("other machine")
    answers = [machine_token(tokens, machine, f"192.0.2.{i}") for i in range(3)]

    assert [r.status_code for r in answers] == [200, 200, 429]
    assert_rate_limited(answers[2])
    assert tokens.client_credentials(other).status_code == 200
    # the same client_id sent in the body counts as the same client
    in_body = tokens.post({"grant_type": "client_credentials", "client_id": machine.client_id,
                           "client_secret": machine.secret})
    assert in_body.status_code == 429


@pytest.mark.settings(AUTHSERVER_RATE_LIMIT_PER_CLIENT="2/minute")
def test_a_public_client_is_not_limited_per_client(tokens, spa, make_user):
    """Its client_id is in every browser: counting it would let anyone spend the bucket all
    its users share. Per IP and per account limits still hold."""
    for index in range(4):
        make_user(f"user{index}@example.com")
        response = login(tokens, spa, f"192.0.2.{index}", username=f"user{index}@example.com")
        assert response.status_code == 200, response.get_json()


@pytest.mark.settings(AUTHSERVER_RATE_LIMIT_PER_ACCOUNT="2/minute")
def test_per_account_limit_holds_across_ips_and_clients_before_hashing(
        storage, tokens, spa, make_client, alice, hashes, make_user):
    portal = make_client("portal", first_party=True)
    make_user("bob@example.com")
    first = login(tokens, spa, "192.0.2.1", password="wrong 1")
    second = tokens.post({"grant_type": "password", "username": "ALICE@example.com",
                          "password": "wrong 2"},
                         headers=basic_auth(portal.client_id, portal.secret),
                         **from_ip("192.0.2.2"))
    third = login(tokens, spa, "192.0.2.3")  # even the right password

    assert_oauth_error(first, 400, "invalid_grant")
    assert_oauth_error(second, 400, "invalid_grant")
    assert_rate_limited(third)
    assert hashes == ["wrong 1", "wrong 2"]
    assert tokens.login(spa, username="bob@example.com").status_code == 200


@pytest.mark.settings(AUTHSERVER_RATE_LIMIT_PER_IP="5/minute",
                      AUTHSERVER_RATE_LIMIT_PER_CLIENT="5/minute")
def test_token_scanning_at_introspection_is_throttled_BF06(app, http):
    resource = register(app, "api", resource_server=True)
    answers = [introspect(http, resource, f"guess-{i}") for i in range(8)]

    assert [r.status_code for r in answers[:5]] == [200] * 5
    for response in answers[5:]:
        assert_rate_limited(response)


@pytest.mark.settings(AUTHSERVER_RATE_LIMIT_PER_IP="2/minute")
@pytest.mark.parametrize("send", [
    lambda http: http.post("/revoke", data={"token": "x"}),
    lambda http: http.get("/userinfo"),
    lambda http: http.post("/refresh", headers={"X-Requested-With": "fetch"}),
    lambda http: http.get("/account/sessions"),
], ids=["revoke", "userinfo", "refresh", "account-sessions"])
def test_every_protocol_endpoint_is_limited_per_ip(http, send):
    answers = [send(http) for _ in range(3)]

    assert all(r.status_code != 429 for r in answers[:2])
    assert_rate_limited(answers[2])


@pytest.mark.settings()
def test_limits_can_be_turned_off(tokens, spa, alice):
    assert all(tokens.login(spa, password="wrong").status_code == 400 for _ in range(40))
    assert tokens.login(spa).status_code == 200


def test_default_limits_leave_ordinary_use_alone(tokens, spa, alice):
    """Ten logins and ten typos in a minute: more than a person does."""
    for _ in range(10):
        assert tokens.login(spa).status_code == 200
        assert tokens.login(spa, password=PASSWORD + "x").status_code == 400


@pytest.mark.parametrize("value", ["lots", "10/fortnight", "-1/minute"])
def test_a_malformed_limit_is_refused_at_start(settings, value):
    with pytest.raises(ConfigError, match="AUTHSERVER_RATE_LIMIT_PER_IP"):
        create_app({**settings, "AUTHSERVER_RATE_LIMIT_PER_IP": value})


@pytest.mark.settings(AUTHSERVER_RATE_LIMIT_PER_IP="2/minute", AUTHSERVER_LOCKOUT_THRESHOLD=2,
                      AUTHSERVER_REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
def test_an_unreachable_redis_falls_back_to_counting_in_memory(tokens, spa, machine, alice):
    """Limits and lockout keep holding (per worker) and nothing fails while Redis is away."""
    answers = [machine_token(tokens, machine) for _ in range(3)]
    failures = [login(tokens, spa, f"10.0.0.{i}", password="wrong") for i in range(3)]

    assert [r.status_code for r in answers] == [200, 200, 429]
    assert [r.status_code for r in failures] == [400, 400, 400]
    assert login(tokens, spa, "10.0.0.9").status_code == 400  # locked, from memory
