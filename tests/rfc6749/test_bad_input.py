"""Malformed, oversized, duplicated and hostile requests to /token: a clear 4xx, never a 500,
nothing reflected into headers, nothing stored (TE-07, TE-09, IV-01..IV-05, HD-01, HD-03)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import argon2
import pytest

from tests.conftest import PASSWORD, backends
from tests.rfc6749.checks import assert_oauth_error, basic_auth, raw_basic
from tests.storage.dump import dump_tables, row_counts

FORM = "application/x-www-form-urlencoded"
#: the only headers a token-endpoint error may carry: none of them built from input (the
#: request id is random here: no trusted proxy)
ERROR_HEADERS = {"Content-Type", "Cache-Control", "Pragma", "Content-Length", "WWW-Authenticate",
                 "X-Request-Id",  # generated here: a client's one counts only from a trusted proxy
                 "Allow"}
INJECTED = "X-Injected"


def login_form(spa, **overrides: str) -> dict[str, str]:
    return {"grant_type": "password", "client_id": spa.client_id,
            "username": "alice@example.com", "password": PASSWORD, **overrides}


def post_raw(http, body: str | bytes, content_type: str = FORM, **kwargs):
    return http.post("/token", data=body, content_type=content_type, **kwargs)


def assert_nothing_reflected(response) -> None:
    """IV-04: no header built from input, no injected header, no control character echoed."""
    assert {name for name, _ in response.headers} <= ERROR_HEADERS, response.headers
    for _, value in response.headers:
        assert INJECTED not in value and "\r" not in value and "\n" not in value
    text = response.get_data(as_text=True)
    assert INJECTED not in text and "\u202e" not in text and "\x00" not in text


# -- grant_type (TE-07) ---------------------------------------------------------------------

def test_missing_grant_type_is_invalid_request_TE07(tokens, spa, alice):
    form = login_form(spa)
    del form["grant_type"]

    body = assert_oauth_error(tokens.post(form), 400, "invalid_request")
    assert "grant_type" in body["error_description"]


def test_unknown_grant_type_is_unsupported_grant_type_and_not_echoed_TE07(tokens, spa, alice):
    response = tokens.post(login_form(spa, grant_type="foo<script>X-Injected"))

    assert_oauth_error(response, 400, "unsupported_grant_type")
    assert_nothing_reflected(response)
    assert "<script>" not in response.get_data(as_text=True)


# -- method and query string (TE-09) --------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_get_405_with_a_json_error_TE09(http, spa, method):
    response = http.open(f"/token?{urlencode(login_form(spa))}", method=method)

    assert_oauth_error(response, 405, "invalid_request")
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("query", ["client_secret", "grant_type", "scope"])
def test_parameters_in_the_query_string_of_a_post_are_refused_TE09(tokens, poster, query):
    """Sent in the query, credentials leak into logs and history; they are never used."""
    form = {"grant_type": "client_credentials", "client_id": poster.client_id,
            "client_secret": poster.secret, "scope": "openid"}
    in_query = {query: form.pop(query)}

    response = tokens.post(form, query_string=in_query)

    assert_oauth_error(response, 400, "invalid_request")


def test_a_parameter_once_in_the_query_and_once_in_the_body_is_refused_IV03(tokens, spa, alice):
    response = tokens.post(login_form(spa), query_string={"grant_type": "password"})

    assert_oauth_error(response, 400, "invalid_request")


# -- body size and content type (IV-01, IV-02) ----------------------------------------------

def test_ten_mebibyte_body_is_413_json_IV01(http):
    response = post_raw(http, b"grant_type=password&username=" + b"a" * (10 * 1024 * 1024))

    assert_oauth_error(response, 413, "invalid_request")


def test_oversized_values_within_the_body_limit_are_invalid_request_IV01(tokens, spa, alice):
    """Longer than any valid value (params.MAX_LENGTHS): refused before any lookup."""
    long_client_id = tokens.post(login_form(spa, client_id="c" * 10_000))
    many_scopes = tokens.post(login_form(spa, scope=" ".join(f"s{i}" for i in range(5_000))))
    long_scope = tokens.post(login_form(spa, scope="x" * 100_000))
    long_username = tokens.post(login_form(spa, username="a" * 400 + "@example.com"))

    for response, name in ((long_client_id, "client_id"), (many_scopes, "scope"),
                           (long_username, "username")):
        body = assert_oauth_error(response, 400, "invalid_request")
        assert body["error_description"] == f"'{name}' is too long"
    assert_oauth_error(long_scope, 413, "invalid_request")  # beyond the 64 KiB body limit


def test_values_at_their_bound_get_the_ordinary_errors_IV01(tokens, spa, alice):
    at_bound = tokens.post(login_form(spa, client_id="c" * 128))
    scopes = tokens.post(login_form(spa, scope=" ".join(f"s{i}" for i in range(150))))

    assert_oauth_error(at_bound, 401, "invalid_client")
    assert_oauth_error(scopes, 400, "invalid_scope")


@pytest.mark.parametrize("content_type,encode", [
    ("application/json", json.dumps),
    ("text/plain", urlencode),
    ("multipart/form-data; boundary=xyz", lambda form: "".join(
        f'--xyz\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in form.items()) + "--xyz--\r\n"),
    ("", urlencode),
], ids=["json", "text", "multipart", "none"])
def test_bodies_that_are_not_form_urlencoded_are_invalid_request_IV02(
        http, spa, alice, content_type, encode):
    response = post_raw(http, encode(login_form(spa)), content_type=content_type)

    body = assert_oauth_error(response, 400, "invalid_request")
    assert FORM in body["error_description"]


def test_form_content_type_with_a_charset_is_accepted(http, spa, alice):
    response = post_raw(http, urlencode(login_form(spa)), content_type=f"{FORM}; charset=UTF-8")

    assert response.status_code == 200, response.get_json()


# -- duplicated and empty parameters (IV-03) ------------------------------------------------

@pytest.mark.parametrize("name", ["grant_type", "client_id", "username", "password", "scope"])
def test_a_duplicated_parameter_is_invalid_request_IV03(http, spa, alice, name):
    form = login_form(spa, scope="openid")
    pairs = [*form.items(), (name, form[name])]  # even a harmless repeat of the same value

    body = assert_oauth_error(post_raw(http, urlencode(pairs)), 400, "invalid_request")
    assert name in body["error_description"]


def test_a_duplicated_client_secret_is_invalid_request_IV03(http, poster):
    pairs = [("grant_type", "client_credentials"), ("client_id", poster.client_id),
             ("client_secret", "wrong"), ("client_secret", poster.secret)]

    assert_oauth_error(post_raw(http, urlencode(pairs)), 400, "invalid_request")


def test_an_empty_scope_is_treated_as_absent_IV03(tokens, spa, alice):
    response = tokens.login(spa, scope="")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["scope"] == "openid profile email"


def test_an_empty_client_secret_is_treated_as_absent_IV03(tokens, spa, alice):
    response = tokens.login(spa, client_secret="")

    assert response.status_code == 200, response.get_json()


def test_an_empty_username_is_a_missing_username_IV03(tokens, spa, alice):
    body = assert_oauth_error(tokens.login(spa, username=""), 400, "invalid_request")
    assert "username" in body["error_description"]


# -- hostile characters (IV-04) -------------------------------------------------------------

HOSTILE = {
    "nul": "%00",
    "crlf": "%0D%0AX-Injected:%20yes",
    "rtl-override": "%E2%80%AE",
    "overlong-slash": "%C0%AF",
    "ff": "%FF",
}
RAW_HOSTILE = {"raw-ff": b"\xff", "raw-crlf": b"\r\nX-Injected: yes", "raw-nul": b"\x00"}


@pytest.mark.parametrize("field", ["client_id", "scope", "username", "password"])
@pytest.mark.parametrize("encoded", HOSTILE.values(), ids=HOSTILE.keys())
def test_control_characters_and_invalid_utf8_are_refused_IV04(
        http, spa, alice, field, encoded):
    form = login_form(spa, scope="openid")
    value = form.pop(field)
    body = f"{urlencode(form)}&{field}={value[:3]}{encoded}{value[3:]}"

    response = post_raw(http, body)

    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error in {"invalid_request", "invalid_scope", "invalid_grant"}
    assert_oauth_error(response, 400, error)
    assert_nothing_reflected(response)


@pytest.mark.parametrize("field", ["client_id", "username"])
@pytest.mark.parametrize("raw", RAW_HOSTILE.values(), ids=RAW_HOSTILE.keys())
def test_unencoded_hostile_bytes_are_refused_IV04(http, spa, alice, field, raw):
    form = login_form(spa)
    value = form.pop(field)
    body = f"{urlencode(form)}&{field}=".encode() + value.encode() + raw

    response = post_raw(http, body)

    assert_oauth_error(response, 400, "invalid_request")
    assert_nothing_reflected(response)


def test_usernames_are_normalized_as_at_signup_and_homoglyphs_are_other_names_IV04(
        tokens, spa, alice):
    fullwidth = tokens.login(spa, username="\uff21\uff2c\uff29\uff23\uff25@Example.COM ")
    cyrillic_a = tokens.login(spa, username="\u0430lice@example.com")

    assert fullwidth.status_code == 200, fullwidth.get_json()  # NFKC + case fold, as at signup
    assert_oauth_error(cyrillic_a, 400, "invalid_grant")


# -- SQL injection (IV-05) ------------------------------------------------------------------

SQLI = ["' OR '1'='1", "admin'--", "1;DROP TABLE client", "\" OR 1=1 --", "%' OR 1=1 --"]


@backends
@pytest.mark.parametrize("attack", SQLI)
def test_sql_injection_strings_get_the_ordinary_answer_IV05(
        tokens, spa, portal, alice, attack):
    as_username = tokens.login(spa, username=attack)
    as_user_suffix = tokens.login(spa, username=f"alice@example.com{attack}")
    as_client_id = tokens.login(spa, client_id=attack)
    as_basic_id = tokens.post({"grant_type": "password", "username": "alice@example.com",
                               "password": PASSWORD}, headers=basic_auth(attack, "x"))
    as_refresh_token = tokens.refresh(spa, attack)
    as_scope = tokens.login(spa, scope=attack.replace("%", "x"))

    assert_oauth_error(as_username, 400, "invalid_grant")
    assert_oauth_error(as_user_suffix, 400, "invalid_grant")
    assert_oauth_error(as_client_id, 401, "invalid_client")
    assert_oauth_error(as_basic_id, 401, "invalid_client")
    assert_oauth_error(as_refresh_token, 400, "invalid_grant")
    assert_oauth_error(as_scope, 400, "invalid_scope")
    assert tokens.login(spa).status_code == 200  # every table still there


# -- nothing stored changes -----------------------------------------------------------------

@backends
def test_bad_requests_change_nothing_stored(
        app, http, tokens, spa, portal, machine, make_client, alice, edit_user):
    """The design's promise: a rejected request, of whatever kind, leaves the database as it was.

    Includes requests that get far (a correct password with a bad scope, which would rehash the
    outdated hash if the rollback were missing; a rotated token's sibling presented by another
    client) and requests that stop at parsing.
    """
    login = tokens.login(spa)
    assert login.status_code == 200
    refresh_token = login.get_json()["refresh_token"]
    edit_user("alice@example.com", password_hash=argon2.PasswordHasher(
        time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD))
    narrow = make_client("narrow", public=True, first_party=True, scope="openid")
    before = dump_tables(app)

    responses = [
        tokens.login(spa, password="wrong password"),
        tokens.login(spa, username="nobody@example.com"),
        tokens.login(spa, scope="openid admin"),             # authenticated, then invalid_scope
        tokens.login(narrow, scope="openid email"),          # authenticated, beyond the client
        tokens.login(spa, username="alice%00@example.com"),
        tokens.refresh(spa, "not-a-refresh-token"),
        tokens.refresh(spa, refresh_token, scope="openid admin"),
        tokens.post({"grant_type": "refresh_token", "refresh_token": refresh_token},
                    headers=basic_auth(portal.client_id, portal.secret)),  # another client's
        tokens.refresh(spa, refresh_token, client_secret="a secret for a public client"),
        tokens.client_credentials(machine, scope="admin"),
        tokens.post({"grant_type": "client_credentials"},
                    headers=basic_auth(machine.client_id, "wrong")),
        tokens.post({"grant_type": "client_credentials"}, headers=raw_basic(b"no colon")),
        tokens.post({**login_form(spa), "grant_type": "foo"}),
        tokens.post({k: v for k, v in login_form(spa).items() if k != "grant_type"}),
        post_raw(http, urlencode([*login_form(spa).items(), ("grant_type", "password")])),
        post_raw(http, json.dumps(login_form(spa)), content_type="application/json"),
        tokens.post(login_form(spa), query_string={"scope": "openid"}),
        post_raw(http, b"grant_type=password&password=" + b"p" * (1024 * 1024)),
        http.get("/token"),
    ]

    for response in responses:
        assert 400 <= response.status_code < 500, (response.status_code, response.get_json())
    after = dump_tables(app)
    assert row_counts(after) == row_counts(before)
    assert after == before
    assert tokens.refresh(spa, refresh_token).status_code == 200  # and it still works
