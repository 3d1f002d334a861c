"""CORS for browser clients: an explicit origin allowlist (the clients' registered origins),
never `*` with credentials, and nothing at all on pages such as /authorize (HD-04)."""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, request
from sqlalchemy import select

from ..extensions import db
from ..models import Client

#: endpoints a registered browser origin may call, with the refresh cookie where it applies
CREDENTIALED_PATHS = frozenset({"/token", "/revoke", "/userinfo", "/refresh"})
#: public documents anyone may read from a browser, without credentials
PUBLIC_PATHS = frozenset({"/jwks", "/.well-known/openid-configuration",
                          "/.well-known/oauth-authorization-server"})
CACHE_SECONDS = 10


def allowed_origins() -> frozenset[str]:
    """Every client's registered origins, re-read at most every few seconds."""
    cached = current_app.extensions.get("authserver.cors")
    now = time.monotonic()
    if cached is None or now - cached[0] > CACHE_SECONDS:
        rows = db.session.scalars(select(Client.cors_origins)).all()
        cached = (now, frozenset(origin for origins in rows for origin in origins or ()))
        current_app.extensions["authserver.cors"] = cached
    return cached[1]


def add_cors_headers(response: Response) -> Response:
    origin = request.headers.get("Origin")
    if not origin:
        return response
    if request.path in PUBLIC_PATHS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    if request.path not in CREDENTIALED_PATHS or origin not in allowed_origins():
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Credentials"] = "true"
    response.vary.add("Origin")
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "POST, GET, DELETE"
        response.headers["Access-Control-Allow-Headers"] = (
            "Authorization, Content-Type, X-Requested-With")
        response.headers["Access-Control-Max-Age"] = "600"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_cors_headers)
