"""CSRF on the consent form (AZ-14): an "Allow" that was not clicked on the form this browser
was shown, for this request and this login, is refused and records nothing."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, backends
from tests.support.browser_login import get_page, login, submit, submit_consent
from tests.support.pending import consented_scopes, request_state, start_request

EMAIL = "alice@example.com"


def nothing_recorded(app, handle: str, client_id: str) -> None:
    assert request_state(app, handle)["consent"] is None
    assert consented_scopes(app, EMAIL, client_id) is None


@backends
def test_an_auto_submitted_allow_without_a_token_is_refused(app, signed_in, photos):
    handle = start_request(app, photos.client_id)
    answer = signed_in.post(f"/consent?request={handle}", data={"decision": "allow"})
    assert answer.status_code == 403
    nothing_recorded(app, handle, photos.client_id)


def test_a_token_for_another_request_is_refused(app, signed_in, photos):
    """The attacker starts their own request and copies the token of its form."""
    theirs, victims = start_request(app, photos.client_id), start_request(app, photos.client_id)
    token = get_page(signed_in, "", f"/consent?request={theirs}").form().fields["csrf_token"]
    answer = signed_in.post(f"/consent?request={victims}",
                            data={"decision": "allow", "csrf_token": token})
    assert answer.status_code == 403
    nothing_recorded(app, victims, photos.client_id)


def test_a_form_from_before_the_session_changed_is_refused(app, signed_in, photos):
    """The token is bound to the login session: logging in again (a new session id) voids
    the forms shown to the old one."""
    handle = start_request(app, photos.client_id)
    page = get_page(signed_in, "", f"/consent?request={handle}")
    login(signed_in, "", EMAIL, PASSWORD)
    answer = submit(signed_in, "", page, {"decision": "allow"})
    assert answer.status == 403 and 'role="alert"' in answer.text
    nothing_recorded(app, handle, photos.client_id)


def test_another_browser_with_the_same_account_cannot_use_the_token(app, signed_in, photos):
    handle = start_request(app, photos.client_id)
    token = get_page(signed_in, "", f"/consent?request={handle}").form().fields["csrf_token"]
    other = app.test_client()
    login(other, "", EMAIL, PASSWORD)
    get_page(other, "", f"/consent?request={handle}")
    answer = other.post(f"/consent?request={handle}",
                        data={"decision": "allow", "csrf_token": token})
    assert answer.status_code == 403
    nothing_recorded(app, handle, photos.client_id)


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"},
                                     {"Sec-Fetch-Site": "cross-site"}])
def test_a_post_from_another_origin_is_refused_even_with_the_token(app, signed_in, photos,
                                                                  headers):
    handle = start_request(app, photos.client_id)
    assert submit_consent(signed_in, "", handle, headers=headers).status == 403
    nothing_recorded(app, handle, photos.client_id)
