"""Who asked: a request id on every request and the client IP behind trusted proxies only.

The id comes from an `X-Request-Id` header only when a trusted proxy set it (otherwise any
client could forge log correlation); it is echoed in the response for support requests.
"""

from __future__ import annotations

import re
import secrets

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

#: what we accept from a trusted proxy's X-Request-Id: short, no separators to inject
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def init_app(app: Flask) -> None:
    proxies = app.config["AUTHSERVER_TRUSTED_PROXIES"]
    if proxies:
        # Only the client address: the issuer (scheme, host) always comes from configuration.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=0, x_host=0,  # type: ignore[method-assign]
                                x_port=0, x_prefix=0)
    app.before_request(lambda: _assign_request_id(trust_header=bool(proxies)))
    app.after_request(_echo_request_id)


def _assign_request_id(trust_header: bool) -> None:
    incoming = request.headers.get("X-Request-Id", "") if trust_header else ""
    g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)


def _echo_request_id(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-Id"] = request_id
    return response

