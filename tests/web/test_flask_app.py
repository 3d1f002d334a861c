"""The app's Flask class (authserver/flask_app.py) asks whether a hook or view is a coroutine
function once per function, not on every request, and still refuses a coroutine view the
way Flask does."""

from __future__ import annotations

import flask.app
import pytest

from authserver.flask_app import AuthServerFlask


def test_no_coroutine_check_per_request(app, http, monkeypatch):
    assert isinstance(app, AuthServerFlask)
    http.get("/.well-known/openid-configuration")  # every hook of a request seen once
    asked = []
    real = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction",
                        lambda func: asked.append(func) or real(func))
    assert http.get("/.well-known/openid-configuration").status_code == 200
    assert asked == []


def test_a_coroutine_function_still_goes_through_flask(app):
    async def view() -> str:
        return "never"

    # without Flask's async extra, Flask refuses it; kept or not, so do we
    for _ in range(2):
        with pytest.raises(RuntimeError, match="async"):
            app.ensure_sync(view)
