"""How the token endpoint reads a form body (oauth/params.py `_body`): at once when the
request states its length, through Werkzeug otherwise; the same answers either way."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import requests
from flask import request

from authserver.oauth.params import read_form
from tests.rfc6749.checks import assert_oauth_error, basic_auth

from .helpers import TIMEOUT

FORM = "application/x-www-form-urlencoded"


def test_a_chunked_body_is_read_too(server, machine):
    """No Content-Length (Transfer-Encoding: chunked), over real HTTP."""
    chunks = (part for part in (b"grant_type=", b"client_credentials"))
    response = requests.post(f"{server.url}/token", data=chunks, timeout=TIMEOUT,
                             headers={"Content-Type": FORM,
                                      **basic_auth(machine.client_id, machine.secret)})
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"


def test_a_body_shorter_than_its_length_is_400(http, machine):
    body = b"grant_type=client_credentials"
    response = http.post("/token", input_stream=io.BytesIO(body), content_type=FORM,
                         headers=basic_auth(machine.client_id, machine.secret),
                         environ_overrides={"CONTENT_LENGTH": str(len(body) + 10)})
    assert response.status_code == 400
    assert response.is_json and response.json["error"] == "invalid_request"


def test_a_body_over_the_cap_is_413_before_it_is_read(http, app):
    size = app.config["MAX_CONTENT_LENGTH"] + 1
    response = http.post("/token", input_stream=io.BytesIO(b""), content_type=FORM,
                         environ_overrides={"CONTENT_LENGTH": str(size)})
    assert_oauth_error(response, 413, "invalid_request")


def test_the_body_read_once_is_there_for_werkzeug_after(app):
    """The sign-in and consent pages read request.form after the checks read the body."""
    form = {"grant_type": "client_credentials", "scope": "a b"}
    for read_after in (lambda: request.form.to_dict(), lambda: request.get_data()):
        with app.test_request_context("/token", method="POST", data=urlencode(form),
                                      content_type=FORM):
            assert read_form(request) == form
            assert read_after() in (form, urlencode(form).encode())
