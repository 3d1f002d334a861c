"""Client authentication at the token endpoint (RFC 6749 §2.3.1, §3.2.1, §5.2): CA-01..CA-05.

Every failure is one answer: 401 invalid_client with `WWW-Authenticate: Basic`, whatever
went wrong, so that a caller cannot tell an unknown client from a wrong secret.
"""

from __future__ import annotations

import pytest

from authserver.crypto import digest
from tests.conftest import PASSWORD, backends
from tests.rfc6749.checks import answer, assert_oauth_error, basic_auth, raw_basic

CC = {"grant_type": "client_credentials"}
#: a secret needing every escape Appendix B knows: ':', '%', '+', space and non-ASCII
AWKWARD_SECRET = "s3:cr%t+with spaces/and/ünïcödé€😀"


def assert_invalid_client(response) -> None:
    assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["WWW-Authenticate"].startswith("Basic realm="), response.headers


def test_wrong_secret_with_basic_is_401_with_www_authenticate_CA01(tokens, machine):
    response = tokens.post(CC, headers=basic_auth(machine.client_id, "wrong-" + machine.secret))

    assert_invalid_client(response)


def test_unknown_client_answers_like_a_wrong_secret_with_basic_CA02(tokens, machine):
    wrong_secret = tokens.post(CC, headers=basic_auth(machine.client_id, "wrong"))
    unknown = tokens.post(CC, headers=basic_auth("no-such-client", "wrong"))

    assert_invalid_client(wrong_secret)
    assert answer(unknown) == answer(wrong_secret)


def test_unknown_client_answers_like_a_wrong_secret_with_client_secret_post_CA02(
        tokens, machine, poster):
    wrong_basic = tokens.post(CC, headers=basic_auth(machine.client_id, "wrong"))
    wrong_post = tokens.post({**CC, "client_id": poster.client_id, "client_secret": "wrong"})
    unknown_post = tokens.post({**CC, "client_id": "no-such-client", "client_secret": "wrong"})

    assert_invalid_client(wrong_post)
    assert answer(unknown_post) == answer(wrong_post) == answer(wrong_basic)


def test_basic_and_client_secret_in_the_body_is_invalid_request_CA03(tokens, machine):
    response = tokens.post({**CC, "client_secret": machine.secret},
                           headers=basic_auth(machine.client_id, machine.secret))

    assert_oauth_error(response, 400, "invalid_request")


def test_body_client_id_differing_from_basic_is_invalid_request_CA03(tokens, machine, poster):
    response = tokens.post({**CC, "client_id": poster.client_id},
                           headers=basic_auth(machine.client_id, machine.secret))

    assert_oauth_error(response, 400, "invalid_request")


def test_body_client_id_equal_to_basic_is_accepted(tokens, machine):
    response = tokens.post({**CC, "client_id": machine.client_id},
                           headers=basic_auth(machine.client_id, machine.secret))

    assert response.status_code == 200, response.get_json()


@pytest.fixture
def awkward(machine, edit_client):
    """The machine client, given a secret that only survives correct Appendix B decoding."""
    edit_client(machine.client_id, secret_digest=digest(AWKWARD_SECRET))
    return machine


def test_basic_credentials_are_decoded_per_appendix_b_CA04(tokens, awkward):
    response = tokens.post(CC, headers=basic_auth(awkward.client_id, AWKWARD_SECRET))

    assert response.status_code == 200, response.get_json()


def test_basic_secret_sent_without_form_encoding_is_not_taken_literally_CA04(tokens, awkward):
    """'+' decodes to a space and '%' starts an escape, so the raw secret does not match."""
    response = tokens.post(CC, headers=raw_basic(f"{awkward.client_id}:{AWKWARD_SECRET}"))

    assert_invalid_client(response)


def test_client_secret_post_accepts_the_same_awkward_secret(tokens, poster, edit_client):
    edit_client(poster.client_id, secret_digest=digest(AWKWARD_SECRET))

    response = tokens.post({**CC, "client_id": poster.client_id, "client_secret": AWKWARD_SECRET})

    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("header", [
    "Basic !!!not-base64!!!",
    "Basic YWJj",                       # decodes to 'abc': no ':'
    "Basic YQ",                         # missing padding
    "Basic " + "A" * 5,
    "Basic",
    "Basic ",
    "basic Zm9vOmJhcg==\u00e9",
], ids=["garbage", "no-colon-abc", "unpadded", "bad-length", "no-credentials", "empty",
        "trailing-non-ascii"])
def test_malformed_basic_header_is_invalid_client_CA04(tokens, machine, header):
    response = tokens.post(CC, headers={"Authorization": header})

    assert_invalid_client(response)


@backends
@pytest.mark.parametrize("credentials", [
    b"no-colon-at-all",
    b"\xff\xfe:\xc0\xaf",               # not UTF-8 once base64-decoded
    b"client:%FF%C0%AF",                # percent-escapes that are not UTF-8
    b"client%00id:secret",              # NUL in the client_id (PostgreSQL text cannot hold it)
    b"client\x00id:secret",
    b"client\r\nX-Injected: 1:secret",
    b"' OR '1'='1:x",
    b"admin'--:x",
], ids=["no-colon", "not-utf8", "bad-escapes", "escaped-nul", "raw-nul", "crlf", "sqli-or",
        "sqli-comment"])
def test_malformed_basic_credentials_are_invalid_client_CA04(tokens, machine, credentials):
    """Never a 500, whatever the database thinks of the decoded client_id (IV-04, IV-05)."""
    response = tokens.post(CC, headers=raw_basic(credentials))

    assert_invalid_client(response)
    assert "X-Injected" not in response.headers


def test_confidential_client_sending_only_its_client_id_is_invalid_client_CA05(
        tokens, machine, portal, alice):
    client_credentials = tokens.post({**CC, "client_id": machine.client_id})
    password = tokens.login(portal)

    assert_invalid_client(client_credentials)
    assert_invalid_client(password)


def test_confidential_client_refreshing_without_credentials_is_invalid_client_CA05(
        tokens, portal, alice):
    login = tokens.post({"grant_type": "password", "username": "alice@example.com",
                         "password": PASSWORD}, headers=basic_auth(portal.client_id, portal.secret))
    assert login.status_code == 200, login.get_json()

    response = tokens.refresh(portal, login.get_json()["refresh_token"])

    assert_invalid_client(response)


def test_registered_basic_client_using_client_secret_post_is_refused(tokens, machine):
    response = tokens.post({**CC, "client_id": machine.client_id, "client_secret": machine.secret})

    assert_invalid_client(response)


def test_registered_post_client_using_basic_is_refused(tokens, poster):
    response = tokens.post(CC, headers=basic_auth(poster.client_id, poster.secret))

    assert_invalid_client(response)


def test_public_client_presenting_a_secret_is_refused(tokens, spa, alice):
    response = tokens.login(spa, client_secret="anything")

    assert_invalid_client(response)


def test_public_client_using_basic_is_refused(tokens, spa, alice):
    response = tokens.post({"grant_type": "password", "username": "alice@example.com",
                            "password": PASSWORD}, headers=basic_auth(spa.client_id, ""))

    assert_invalid_client(response)
