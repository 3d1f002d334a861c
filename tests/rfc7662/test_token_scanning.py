"""BF-06 (partial): guessing tokens at /introspect and /revoke learns nothing and breaks
nothing: 1,000 random values, each active:false or a bare 200, never a 5xx."""

from __future__ import annotations

import base64
import json
import random
import secrets

import pytest

from tests.rfc7009.helpers import assert_revocation_answer, revoke, userinfo

from .helpers import INACTIVE, introspect

GUESSES = 1_000


@pytest.fixture(autouse=True)
def unthrottled(settings: dict) -> None:
    """What each guess learns, without the rate limits that would stop the scan early
    (tests/abuse/test_rate_limits.py shows the scan throttled)."""
    settings["AUTHSERVER_RATE_LIMIT_PER_IP"] = settings["AUTHSERVER_RATE_LIMIT_PER_CLIENT"] = ""


def guesses(count: int, seed: int) -> list[str]:
    """Opaque 256-bit values (refresh-token shaped) and JWT-shaped ones with random parts."""
    rng = random.Random(seed)

    def part() -> str:
        return base64.urlsafe_b64encode(rng.randbytes(rng.randint(1, 64))).rstrip(b"=").decode()

    header = base64.urlsafe_b64encode(json.dumps(
        {"alg": "RS256", "typ": "at+jwt", "kid": "guess"}).encode()).rstrip(b"=").decode()
    values = []
    for index in range(count):
        if index % 2:
            values.append(secrets.token_urlsafe(32))
        else:
            values.append(f"{rng.choice([header, part()])}.{part()}.{part()}")
    return values


def test_random_tokens_at_introspection_are_inactive(http, resource_server, session):
    for guess in guesses(GUESSES, seed=7662):
        response = introspect(http, resource_server, guess)
        assert response.status_code == 200, guess
        assert response.get_json() == INACTIVE, guess
    assert introspect(http, resource_server, session["access_token"]).get_json()["active"]


def test_random_tokens_at_revocation_answer_200(http, spa, session):
    for guess in guesses(GUESSES, seed=7009):
        assert_revocation_answer(revoke(http, spa, guess))
    assert userinfo(http, session["access_token"]).status_code == 200
