"""Public documents: /jwks and the server metadata, precomputed bytes with an ETag."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, current_app, request

from ..clock import clock
from ..keys import KeyRing
from ..oauth.metadata import server_metadata
from ..oauth.server import authorization_server

bp = Blueprint("discovery", __name__)


def _cached_json(body: bytes, etag: str, max_age: int | None = None) -> Response:
    """Cacheable by anyone for max-age seconds; If-None-Match gets a 304."""
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = (current_app.config["AUTHSERVER_JWKS_MAX_AGE"]
                                      if max_age is None else max_age)
    return response.make_conditional(request)


def _keyring() -> KeyRing:
    return current_app.extensions["authserver.keys"]


@bp.get("/jwks")
def jwks() -> Response:
    now = clock.now()
    body, etag = _keyring().jwks(now)
    return _cached_json(body, etag, _keyring().jwks_max_age(now))


def _metadata_document() -> tuple[bytes, str]:
    """Built once, and again only when the algs of the published keys change."""
    algs = _keyring().algorithms(clock.now())
    cached = current_app.extensions.get("authserver.metadata")
    if cached is None or cached[0] != algs:
        body = json.dumps(server_metadata(authorization_server(), algs), indent=2).encode()
        cached = (algs, body, hashlib.sha256(body).hexdigest()[:32])
        current_app.extensions["authserver.metadata"] = cached
    return cached[1], cached[2]


@bp.get("/.well-known/openid-configuration")
def openid_configuration() -> Response:
    return _cached_json(*_metadata_document())


@bp.get("/.well-known/oauth-authorization-server")
def oauth_authorization_server() -> Response:
    return _cached_json(*_metadata_document())
