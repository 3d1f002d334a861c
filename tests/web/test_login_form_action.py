"""CSP form-action on the sign-in and consent pages: 'self', plus the client's redirect_uri
origin when the form's answer ends there (browsers apply form-action to every redirect
after a form POST; without it Chromium stops the browser before the client's callback)."""

from __future__ import annotations

import pytest

from authserver.web.pages import csp_source
from tests.support.browser_login import get_page
from tests.support.pending import start_request


def form_action(headers) -> str:
    (directive,) = [part.strip() for part in headers["Content-Security-Policy"].split(";")
                    if part.strip().startswith("form-action")]
    return directive


def test_a_plain_sign_in_page_posts_only_to_itself(http):
    assert form_action(get_page(http, "", "/login").headers) == "form-action 'self'"


def test_the_pages_of_a_request_may_end_at_the_client(app, signed_in, photos):
    handle = start_request(app, photos.client_id,
                           redirect_uri="https://photos.example:8443/cb?x=1")
    expected = "form-action 'self' https://photos.example:8443"
    assert form_action(get_page(signed_in, "", f"/login?request={handle}").headers) == expected
    assert form_action(get_page(signed_in, "", f"/consent?request={handle}").headers) == expected


@pytest.mark.parametrize(("uri", "source"), [
    ("https://rp.example.com/callback", "https://rp.example.com"),
    ("http://127.0.0.1:53211/cb", "http://127.0.0.1:53211"),
    ("http://[::1]:8080/cb", "http://[::1]:8080"),
    ("https://user@rp.example.com/cb", "https://rp.example.com"),
    ("com.example.app:/oauth2redirect", "com.example.app:"),
    ("javascript:alert(1)", None),
    ("data:text/html,x", None),
    ("not a uri; script-src *", None),
])
def test_a_redirect_uri_becomes_a_source_expression_or_nothing(uri, source):
    assert csp_source(uri) == source
