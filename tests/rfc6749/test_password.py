"""grant_type=password (RFC 6749 §4.3): first-party clients only, one answer for bad credentials."""

from __future__ import annotations

import statistics
import time

import argon2
import pytest

from tests.conftest import PASSWORD
from tests.rfc6749.checks import answer, assert_oauth_error, assert_token_headers

ALL_SCOPES = "openid profile email"


def test_success_has_the_rfc_6749_5_1_shape(tokens, spa, alice, decode_access_token):
    """TE-01 for this grant: a Bearer token, 900 s, a refresh token, the scope, no caching."""
    response = tokens.login(spa)

    assert response.status_code == 200, response.get_json()
    assert_token_headers(response)
    body = response.get_json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope",
                         "refresh_token_expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["refresh_token_expires_in"] == 30 * 86_400  # the idle lifetime
    assert body["scope"] == ALL_SCOPES
    assert isinstance(body["refresh_token"], str) and len(body["refresh_token"]) >= 43
    claims = decode_access_token(body["access_token"])
    assert claims["sub"] == alice
    assert claims["client_id"] == spa.client_id
    assert claims["scope"] == ALL_SCOPES


def test_client_not_registered_for_the_password_grant_is_unauthorized_client_TE08(
        tokens, make_client, alice):
    third_party = make_client("third party", public=True, grant_types=("refresh_token",))

    assert_oauth_error(tokens.login(third_party), 400, "unauthorized_client")


def test_password_grant_is_refused_to_a_client_that_is_not_first_party_TE08(
        tokens, spa, alice, edit_client):
    """Even with `password` among its grant types, only a first-party client may use it."""
    edit_client(spa.client_id, first_party=False)

    assert_oauth_error(tokens.login(spa), 400, "unauthorized_client")


def test_wrong_password_and_unknown_user_answer_identically_BF02(tokens, spa, alice):
    wrong_password = tokens.login(spa, password="not the password")
    unknown_user = tokens.login(spa, username="nobody@example.com")

    assert_oauth_error(wrong_password, 400, "invalid_grant")
    assert answer(unknown_user) == answer(wrong_password)


def _median_seconds(send, times: int = 5) -> float:
    durations = []
    for _ in range(times):
        start = time.perf_counter()
        response = send()
        durations.append(time.perf_counter() - start)
        assert response.status_code == 400
    return statistics.median(durations)


def test_unknown_user_costs_an_argon2_verify_like_a_wrong_password_BF02(tokens, spa, alice):
    """A dummy argon2 verification runs for unknown users, so latency does not tell them apart.

    Argon2id at m=19456, t=2 takes tens of milliseconds; a plain lookup of a missing row takes
    well under 10 ms, so both medians above 10 ms and within a factor 3 shows the dummy ran.
    """
    tokens.login(spa, password="warm-up")
    wrong = _median_seconds(lambda: tokens.login(spa, password="not the password"))
    unknown = _median_seconds(lambda: tokens.login(spa, username="nobody@example.com"))

    assert wrong > 0.010 and unknown > 0.010, (wrong, unknown)
    assert max(wrong, unknown) / min(wrong, unknown) < 3, (wrong, unknown)


def test_disabled_user_with_the_correct_password_gets_the_same_answer_BF03(
        tokens, spa, alice, edit_user):
    wrong_password = tokens.login(spa, password="not the password")
    edit_user("alice@example.com", disabled=True)

    disabled = tokens.login(spa)

    assert_oauth_error(disabled, 400, "invalid_grant")
    assert answer(disabled) == answer(wrong_password)


@pytest.fixture
def short_limit(settings: dict) -> int:
    settings["AUTHSERVER_PASSWORD_MAX_LENGTH"] = 64
    return 64


def test_password_longer_than_the_limit_is_refused_even_when_correct(
        short_limit, tokens, spa, make_user):
    """The length bound caps hashing cost; the answer is the ordinary invalid_grant."""
    make_user("at-limit@example.com", password="a" * short_limit)
    make_user("over-limit@example.com", password="b" * (short_limit + 1))

    at_limit = tokens.login(spa, username="at-limit@example.com", password="a" * short_limit)
    over = tokens.login(spa, username="over-limit@example.com", password="b" * (short_limit + 1))

    assert at_limit.status_code == 200, at_limit.get_json()
    assert_oauth_error(over, 400, "invalid_grant")


def test_hash_with_outdated_parameters_is_upgraded_at_login_ST03(
        tokens, spa, alice, edit_user, stored_user):
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    edit_user("alice@example.com", password_hash=weak)

    failed = tokens.login(spa, password="not the password")
    assert failed.status_code == 400
    assert stored_user("alice@example.com").password_hash == weak  # only a success rehashes

    assert tokens.login(spa).status_code == 200

    upgraded = stored_user("alice@example.com").password_hash
    assert upgraded != weak
    params = argon2.extract_parameters(upgraded)
    assert (params.type, params.memory_cost, params.time_cost, params.parallelism) == (
        argon2.Type.ID, 19456, 2, 1)
    assert tokens.login(spa).status_code == 200  # and the new hash verifies


def test_scope_beyond_the_clients_is_invalid_scope(tokens, make_client, alice):
    narrow = make_client("narrow", public=True, first_party=True, scope="openid profile")

    assert_oauth_error(tokens.login(narrow, scope="openid email"), 400, "invalid_scope")


def test_unknown_scope_is_invalid_scope(tokens, spa, alice):
    assert_oauth_error(tokens.login(spa, scope="openid admin"), 400, "invalid_scope")


def test_no_scope_grants_the_clients_whole_scope(tokens, make_client, alice,
                                                 decode_access_token):
    narrow = make_client("narrow", public=True, first_party=True, scope="openid profile")

    response = tokens.login(narrow)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["scope"] == "openid profile"
    assert decode_access_token(response.get_json()["access_token"])["scope"] == "openid profile"


def test_a_narrower_scope_is_granted_as_asked(tokens, spa, alice, decode_access_token):
    response = tokens.login(spa, scope="openid")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["scope"] == "openid"
    assert decode_access_token(response.get_json()["access_token"])["scope"] == "openid"


@pytest.mark.parametrize("missing", ["username", "password"])
def test_missing_credential_is_invalid_request(tokens, spa, alice, missing):
    data = {"grant_type": "password", "client_id": spa.client_id,
            "username": "alice@example.com", "password": PASSWORD}
    del data[missing]

    body = assert_oauth_error(tokens.post(data), 400, "invalid_request")
    assert missing in body["error_description"]


def test_confidential_first_party_client_logs_in_with_basic(tokens, portal, alice):
    response = tokens.post({"grant_type": "password", "username": "alice@example.com",
                            "password": PASSWORD}, auth=(portal.client_id, portal.secret))

    assert response.status_code == 200, response.get_json()
    assert "refresh_token" in response.get_json()
