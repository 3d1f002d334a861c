"""HTTP only: one blueprint per module; the protocol routes answer JSON, never HTML."""

from __future__ import annotations

from flask import Flask

from . import (
    access,
    account,
    authorize,
    consent,
    cookie_session,
    cors,
    discovery,
    errors,
    health,
    hygiene,
    login,
    logout,
    metrics,
    oauth,
    rate_limits,
    refresh,
    request_context,
    userinfo,
    whole_body,
)


def register_blueprints(app: Flask) -> None:
    for module in (oauth, refresh, discovery, userinfo, account, health, metrics, login,
                   consent, authorize, logout):
        app.register_blueprint(module.bp)
    hygiene.init_app(app)
    rate_limits.init_app(app)
    errors.init_app(app)
    request_context.init_app(app)
    access.init_app(app)
    cookie_session.init_app(app)
    cors.init_app(app)
    whole_body.init_app(app)
