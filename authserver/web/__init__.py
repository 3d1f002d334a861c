"""HTTP only: one blueprint per module; the protocol routes answer JSON, never HTML."""

from __future__ import annotations

from flask import Flask

from . import account, cookie_session, cors, discovery, errors, health, oauth, refresh, userinfo


def register_blueprints(app: Flask) -> None:
    for module in (oauth, refresh, discovery, userinfo, account, health):
        app.register_blueprint(module.bp)
    errors.init_app(app)
    cookie_session.init_app(app)
    cors.init_app(app)
