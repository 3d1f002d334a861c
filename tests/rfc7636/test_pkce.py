"""PKCE, S256 only (RFC 7636, RFC 9700 §2.1.1): PK-01..PK-07."""

from __future__ import annotations

import pytest

from tests.conftest import backends
from tests.rfc6749.checks import assert_oauth_error
from tests.support.authorize import CALLBACK, CodeFlow, pkce_pair, query_of, register


@pytest.fixture(autouse=True)
def _signed_in(request: pytest.FixtureRequest) -> None:
    """Tests using `flow` start signed in with the consent remembered: /authorize answers
    at once."""
    if "flow" in request.fixturenames:
        request.getfixturevalue("flow").sign_in()


def authorize_error(flow: CodeFlow, **params: object) -> str:
    response = flow.authorize(**params)
    assert response.headers["Location"].startswith(CALLBACK), response.headers
    return query_of(response.headers["Location"]).get("error")


def code_of(flow: CodeFlow, **params: object) -> str:
    return query_of(flow.authorize(**params).headers["Location"])["code"]


@backends
def test_valid_pair(flow):
    """PK-01."""
    assert flow.exchange(code_of(flow)).status_code == 200


def test_missing_verifier(flow):
    """PK-02: invalid_grant, and the code is gone."""
    code = code_of(flow)
    assert_oauth_error(flow.exchange(code, code_verifier=None), 400, "invalid_grant")
    assert_oauth_error(flow.exchange(code), 400, "invalid_grant")


@backends
@pytest.mark.parametrize("wrong", ["other", "challenge"])
def test_wrong_verifier_burns_the_code(flow, wrong):
    """PK-03: a wrong verifier, or the challenge itself (a plain-style swap); then the right
    verifier no longer works either."""
    code = code_of(flow)
    verifier = flow.challenge if wrong == "challenge" else pkce_pair()[0]
    assert_oauth_error(flow.exchange(code, code_verifier=verifier), 400, "invalid_grant")
    assert_oauth_error(flow.exchange(code), 400, "invalid_grant")


def test_downgrade(app, http, alice):
    """PK-04: a code issued without a challenge (a confidential client allowed to skip
    PKCE) is refused when the token request brings a verifier."""
    flow = CodeFlow(http, register(app, require_pkce=False))
    flow.sign_in(code_challenge=None, code_challenge_method=None)
    code = code_of(flow, code_challenge=None, code_challenge_method=None)
    assert_oauth_error(flow.exchange(code), 400, "invalid_grant")
    code = code_of(flow, code_challenge=None, code_challenge_method=None)
    assert flow.exchange(code, code_verifier=None).status_code == 200


@pytest.mark.parametrize("params", [
    {"code_challenge_method": "plain"},
    {"code_challenge_method": None},
    {"code_challenge_method": "s256"},
    {"code_challenge": None},
])
def test_plain_or_missing_method_refused(flow, params):
    """PK-05 (and a method without a challenge)."""
    assert authorize_error(flow, **params) == "invalid_request"


def test_public_client_must_send_a_challenge(app, http, alice):
    """PK-06."""
    flow = CodeFlow(http, register(app, public=True))
    flow.sign_in()
    description = query_of(flow.authorize(code_challenge=None, code_challenge_method=None)
                           .headers["Location"])
    assert description["error"] == "invalid_request"
    assert "code challenge required" in description["error_description"]


def test_confidential_clients_need_pkce_by_default(flow):
    """Required for every client unless its registration relaxes it."""
    assert authorize_error(flow, code_challenge=None, code_challenge_method=None) == \
        "invalid_request"


@pytest.mark.parametrize("challenge", ["a" * 42, "a" * 44, "a" * 42 + "=", "a" * 42 + "+",
                                       "a" * 128])
def test_malformed_challenge(flow, challenge):
    """PK-07: S256 challenges are exactly 43 base64url characters."""
    assert authorize_error(flow, code_challenge=challenge) == "invalid_request"


@pytest.mark.parametrize("verifier", ["a" * 42, "a" * 129, "a" * 42 + "!", "a" * 43 + " "])
def test_malformed_verifier(flow, verifier):
    """PK-07: invalid_grant at /token."""
    assert_oauth_error(flow.exchange(code_of(flow), code_verifier=verifier), 400,
                       "invalid_grant")


def test_public_client_exchange(app, http, alice):
    """A public client authenticates with its client_id and the verifier alone."""
    flow = CodeFlow(http, register(app, public=True))
    answer = flow.sign_in()
    body = flow.exchange(answer["code"]).get_json()
    assert "access_token" in body and "id_token" in body
