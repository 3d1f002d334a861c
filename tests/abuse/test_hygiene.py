"""Request hygiene on every protocol endpoint, not only /token (web/hygiene.py): the query
string is held to the rules of a form body, and a form-only endpoint takes no query."""

from __future__ import annotations

import pytest

from authserver.oauth.params import MAX_FRONT_CHANNEL_VALUE
from authserver.web.hygiene import PROTOCOL_ENDPOINTS
from tests.rfc6749.checks import assert_oauth_error

QUERIES = {
    "repeated": ("everywhere=1&everywhere=1", "'everywhere' is repeated"),
    "control": ("state=a%00b", "'state' contains control characters"),
    "crlf": ("x=%0D%0AX-Injected:%20yes", "'x' contains control characters"),
    "invalid-utf8": ("scope=%FF", "the query string is not valid UTF-8"),
    "too-long": ("state=" + "s" * (MAX_FRONT_CHANNEL_VALUE + 1), "'state' is too long"),
}


@pytest.mark.parametrize("query,description", QUERIES.values(), ids=QUERIES.keys())
@pytest.mark.parametrize("method,path", [("GET", "/userinfo"), ("POST", "/userinfo"),
                                         ("POST", "/refresh"), ("DELETE", "/refresh"),
                                         ("GET", "/account/sessions")])
def test_hostile_query_strings_are_invalid_request(http, method, path, query, description):
    response = http.open(f"{path}?{query}", method=method,
                         headers={"X-Requested-With": "fetch"})

    body = assert_oauth_error(response, 400, "invalid_request")
    assert body["error_description"] == description
    assert "X-Injected" not in str(response.headers)


@pytest.mark.parametrize("path", ["/revoke", "/introspect"])
def test_form_only_endpoints_refuse_a_query_string(http, path):
    response = http.post(f"{path}?token=x", data={"token": "y"})

    assert_oauth_error(response, 400, "invalid_request")


def test_a_parameter_in_query_and_body_is_refused_IV03(http, session):
    response = http.post("/userinfo?access_token=x", data={"access_token": "y"})

    body = assert_oauth_error(response, 400, "invalid_request")
    assert "repeated" in body["error_description"]


def test_an_empty_body_parameter_is_absent(http, session):
    response = http.post("/userinfo", data={"access_token": "", "scope": ""},
                         headers={"Authorization": f"Bearer {session['access_token']}"})

    assert response.status_code == 200, response.get_json()


def test_every_endpoint_in_the_table_exists(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert set(PROTOCOL_ENDPOINTS) <= rules


def test_a_server_error_is_json_without_exception_text(app, http):
    """HD-03: whatever breaks, the answer is a JSON server_error and says nothing more."""

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail: SELECT password FROM user")

    response = http.get("/boom")

    assert_oauth_error(response, 500, "server_error")
    assert "secret detail" not in response.get_data(as_text=True)
