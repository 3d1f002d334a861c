"""The hostile-input suite: generated requests against every protocol endpoint (hostile.py)
and the explicit IV-* corpus. Never a 5xx, always an RFC error body, nothing reflected into
headers, and nothing stored changes for a rejected request (IV-01..IV-06, HD-01, HD-03)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from tests.conftest import PASSWORD, backends
from tests.rfc7009.helpers import password_login
from tests.storage.dump import dump_tables

from .conftest import NO_LIMITS
from .hostile import ENDPOINTS, Endpoint, Known, assert_sane, corpus, requests

EXAMPLES_PER_ENDPOINT = 100


@pytest.fixture
def known(app, http, spa, machine, alice) -> Known:
    login = password_login(http, spa)
    return Known(client_id=machine.client_id, secret=machine.secret,
                 public_client_id=spa.client_id, refresh_token=login["refresh_token"],
                 access_token=login["access_token"], username="alice@example.com",
                 password=PASSWORD)


@backends
@pytest.mark.settings(**NO_LIMITS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_generated_hostile_requests(app, http, known: Known, endpoint: Endpoint):
    """EXAMPLES_PER_ENDPOINT generated requests per endpoint and backend (limits off, so that
    every request reaches the endpoint's own checks)."""
    stored = dump_tables(app)
    outcomes: dict[int, int] = {}

    @hypothesis_settings(max_examples=EXAMPLES_PER_ENDPOINT, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                HealthCheck.too_slow])
    @given(requests(known))
    def attack(hostile) -> None:
        nonlocal stored
        http.delete_cookie("refresh_token", path="/refresh")
        response = hostile.send(http, endpoint)
        outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1
        assert_sane(response, endpoint)
        after = dump_tables(app)
        if response.status_code != 200:
            assert after == stored, "a rejected request changed what is stored"
        stored = after

    attack()
    assert sum(outcomes.values()) >= EXAMPLES_PER_ENDPOINT // 2
    assert any(status >= 400 for status in outcomes), outcomes


@backends
@pytest.mark.settings(**NO_LIMITS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_the_iv_corpus_gets_4xx_everywhere(app, http, known: Known, endpoint: Endpoint):
    """IV-01..IV-06 at every endpoint: 4xx, RFC error bodies, nothing stored changes."""
    stored = dump_tables(app)
    statuses = {}
    for name, hostile in corpus(known).items():
        http.delete_cookie("refresh_token", path="/refresh")
        response = hostile.send(http, endpoint)
        statuses[name] = response.status_code
        assert_sane(response, endpoint)
        assert 400 <= response.status_code < 500, (name, response.status_code)
    assert dump_tables(app) == stored
    if endpoint.method == "POST":
        assert statuses["ten-mebibytes"] == 413
    if endpoint.name.startswith("userinfo"):
        assert {statuses[n] for n in statuses if n.startswith("bearer-")} == {401}
