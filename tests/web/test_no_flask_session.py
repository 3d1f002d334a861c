"""authserver keeps nothing in Flask's signed-cookie session (web/cookie_session.py): none is
opened, none is sent, and a write to it fails instead of quietly starting one."""

from __future__ import annotations

import pytest
from flask import session


def test_no_session_cookie_on_any_answer(http, tokens, spa, alice):
    for response in (tokens.login(spa), http.get("/login"), http.get("/account"),
                     http.get("/.well-known/openid-configuration")):
        assert not any(cookie.startswith("session=")
                       for cookie in response.headers.getlist("Set-Cookie"))


def test_writing_to_the_flask_session_fails(app):
    with app.test_request_context("/"):
        assert not session
        with pytest.raises(RuntimeError, match="session is unavailable"):
            session["kept"] = "anything"
