"""prompt, max_age, login_hint and id_token_hint at /authorize (OIDC Core §3.1.2.1):
AZ-09, AZ-10."""

from __future__ import annotations

import pytest

from tests.conftest import backends
from tests.support.authorize import CodeFlow, query_of, register


def id_token_claims(flow: CodeFlow, answer: dict, verify) -> dict:
    body = flow.exchange(answer["code"]).get_json()
    return verify(body["id_token"])[1]


def test_prompt_none_without_a_session(flow):
    """AZ-09: login_required at once, no page in between."""
    response = flow.authorize(prompt="none")
    answer = query_of(response.headers["Location"])
    assert answer["error"] == "login_required"
    assert answer["state"] == "st-1" and answer["iss"]


@backends
def test_prompt_none_with_a_session(flow, verify_id_token):
    """AZ-09: silent success, same sub."""
    first = id_token_claims(flow, flow.sign_in(), verify_id_token)
    answer = query_of(flow.authorize(prompt="none").headers["Location"])
    assert id_token_claims(flow, answer, verify_id_token)["sub"] == first["sub"]


def test_prompt_none_without_consent(flow):
    """AZ-09: signed in, but this scope was never approved."""
    flow.sign_in(scope="openid")
    answer = query_of(flow.authorize(prompt="none", scope="openid email").headers["Location"])
    assert answer["error"] == "consent_required"


def test_prompt_consent_asks_again(flow):
    flow.sign_in()
    assert flow.authorize(prompt="consent").headers["Location"].startswith("/consent")


@backends
def test_prompt_login_forces_a_new_login(flow, verify_id_token, frozen_clock):
    """AZ-10: re-authentication, a later auth_time, the same sub."""
    first = id_token_claims(flow, flow.sign_in(), verify_id_token)
    frozen_clock.offset += 5
    location = flow.authorize(prompt="login").headers["Location"]
    assert location.startswith("/login?request=")
    second = id_token_claims(flow, flow.follow(location), verify_id_token)
    assert second["auth_time"] >= first["auth_time"] + 5
    assert second["sub"] == first["sub"]


@pytest.mark.parametrize("max_age, wait, forced", [("1", 1, True), ("10000", 1, False),
                                                   ("0", 0, True)])
def test_max_age(flow, verify_id_token, frozen_clock, max_age, wait, forced):
    """AZ-10: max_age=1 after a second forces a login, max_age=10000 does not; auth_time
    is in the id_token either way."""
    first = id_token_claims(flow, flow.sign_in(), verify_id_token)
    frozen_clock.offset += wait
    location = flow.authorize(max_age=max_age).headers["Location"]
    assert location.startswith("/login") == forced
    claims = id_token_claims(flow, flow.follow(location), verify_id_token)
    if forced:  # a new login: at least `wait` later (the real clock may tick meanwhile)
        assert claims["auth_time"] >= first["auth_time"] + wait
    else:
        assert claims["auth_time"] == first["auth_time"]


def test_max_age_with_prompt_none(flow, frozen_clock):
    flow.sign_in()
    frozen_clock.offset += 2
    answer = query_of(flow.authorize(max_age="1", prompt="none").headers["Location"])
    assert answer["error"] == "login_required"


def test_a_forced_login_cannot_be_skipped(flow):
    """Going straight to /authorize/resume without the login the request demands sends
    the browser back to the login page."""
    flow.sign_in()
    location = flow.authorize(prompt="login").headers["Location"]
    handle = query_of(location)["request"]
    resumed = flow.http.get(f"/authorize/resume?request={handle}")
    assert resumed.headers["Location"].startswith("/login?request=")


def test_login_hint_reaches_the_login_page(flow):
    location = flow.authorize(login_hint="bob@example.com").headers["Location"]
    page = flow.http.get(location)
    assert 'value="bob@example.com"' in page.get_data(as_text=True)


def test_id_token_hint(app, flow, make_user):
    """Accepted when it is ours and names the signed-in user (prompt=none: silent); naming
    someone else means that user must sign in: login_required with prompt=none."""
    hint = flow.exchange(flow.sign_in()["code"]).get_json()["id_token"]
    answer = query_of(flow.authorize(prompt="none", id_token_hint=hint).headers["Location"])
    assert "code" in answer

    bob = CodeFlow(flow.http.application.test_client(), flow.client)
    make_user("bob@example.com", name="Bob")
    bob.sign_in(email="bob@example.com")
    answer = query_of(bob.authorize(prompt="none", id_token_hint=hint).headers["Location"])
    assert answer["error"] == "login_required"
    assert bob.authorize(id_token_hint=hint).headers["Location"].startswith("/login")


def test_bad_id_token_hint(app, flow):
    """A hint with a broken signature, or issued to another client: invalid_request."""
    flow.sign_in()
    hint = flow.exchange(query_of(flow.authorize().headers["Location"])["code"]).get_json()[
        "id_token"]
    forged = hint[:-4] + ("AAAA" if not hint.endswith("AAAA") else "BBBB")
    answer = query_of(flow.authorize(id_token_hint=forged).headers["Location"])
    assert answer["error"] == "invalid_request"

    other = CodeFlow(flow.http, register(app, name="Other"))
    other.sign_in()
    answer = query_of(other.authorize(id_token_hint=hint).headers["Location"])
    assert answer["error"] == "invalid_request"
