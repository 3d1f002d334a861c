"""HTTP only: one blueprint per module; the protocol routes answer JSON, never HTML."""

from __future__ import annotations

from flask import Flask

from . import discovery, errors, health, oauth, userinfo


def register_blueprints(app: Flask) -> None:
    for module in (oauth, discovery, userinfo, health):
        app.register_blueprint(module.bp)
    errors.init_app(app)
