"""Open redirect through the login page's `next` (AZ-17): only a path on this server."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from authserver.web.next_path import same_origin_path
from tests.conftest import PASSWORD
from tests.support.browser_login import get_page, login

EMAIL = "alice@example.com"

LEAVING = [
    "https://evil.example/",
    "http:evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%252F%252Fevil.example",
    "/%09/evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    "evil.example",
    "account",
    "",
]


@pytest.mark.parametrize("next_path", LEAVING)
def test_a_next_that_could_leave_the_site_is_replaced_by_the_account_page(http, alice,
                                                                         next_path):
    assert login(http, "", EMAIL, PASSWORD, next_path=next_path) == "/account"


@pytest.mark.parametrize("next_path", LEAVING)
def test_the_form_does_not_carry_an_unsafe_next(http, next_path):
    page = get_page(http, "", f"/login?{urlencode({'next': next_path})}")
    assert page.form("email").action == "/login"


@pytest.mark.parametrize("next_path", ["/account", "/account?tab=sessions", "/userinfo",
                                       "/account#apps", "/caf%C3%A9"])
def test_a_path_on_this_server_is_followed(http, alice, next_path):
    assert login(http, "", EMAIL, PASSWORD, next_path=next_path) == next_path


def test_a_very_long_next_is_refused():
    assert same_origin_path("/" + "a" * 5000) is None
