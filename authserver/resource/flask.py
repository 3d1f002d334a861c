"""Flask integration: `@require_token("scope")` answers as RFC 6750 §3 says.

    ResourceServer(app, TokenVerifier("https://auth.example.com", "https://api.example.com"))

    @app.get("/orders")
    @require_token("orders:read")
    def orders():
        return {"for": current_token().subject}

No token: 401 with a bare `WWW-Authenticate: Bearer` challenge (no error: RFC 6750 §3.1).
A bad or expired token: 401 `error="invalid_token"` (expired ones say so: the client's cue to
refresh and retry once). A valid token without the scope: 403 `insufficient_scope`. A
malformed Authorization header: 400 `invalid_request`. Issuer unreachable: 503 + Retry-After.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, Protocol

from flask import Flask, Response, current_app, g, jsonify, request

from .claims import AccessToken
from .errors import InsufficientScope, InvalidRequest, IssuerUnavailable, TokenError

EXTENSION = "authserver.resource"
B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 §2.1
RETRY_AFTER = 5
logger = logging.getLogger("authserver.resource")


class Verifier(Protocol):
    def verify(self, token: str, scopes: Iterable[str] = ()) -> AccessToken: ...


class ResourceServer:
    """Binds a verifier (TokenVerifier or IntrospectionVerifier) to a Flask app."""

    def __init__(self, app: Flask | None = None, verifier: Verifier | None = None,
                 realm: str | None = None) -> None:
        self.verifier = verifier
        self.realm = realm
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        if self.verifier is None:
            raise ValueError("ResourceServer needs a verifier")
        app.extensions[EXTENSION] = self


def require_token(*scopes: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run the view only for a request with a valid access token carrying every scope."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def protected(*args: Any, **kwargs: Any) -> Any:
            server: ResourceServer | None = current_app.extensions.get(EXTENSION)
            if server is None:
                raise RuntimeError("call ResourceServer(app, verifier) before using "
                                   "@require_token")
            try:
                token = presented_token()
                if token is None:
                    return challenge(401, server.realm)
                g.authserver_access_token = server.verifier.verify(token, scopes)
            except TokenError as error:
                return challenge(error.status, server.realm, error)
            except IssuerUnavailable as exc:
                logger.error("cannot verify access tokens: %s", exc)
                return unavailable()
            return view(*args, **kwargs)

        return protected

    return decorate


def current_token() -> AccessToken:
    """The verified token of the request, inside a view decorated with @require_token."""
    token = g.get("authserver_access_token")
    if token is None:
        raise RuntimeError("current_token() is only available under @require_token")
    return token


def presented_token() -> str | None:
    """The token of an `Authorization: Bearer` header (RFC 6750 §2.1; other ways are
    ignored: a token in a URL ends up in logs)."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    value = value.strip(" ")
    if not B64TOKEN.fullmatch(value):
        raise InvalidRequest("malformed Authorization header")
    return value


def challenge(status: int, realm: str | None, error: TokenError | None = None) -> Response:
    params = [f'realm="{_quotable(realm)}"'] if realm else []
    body: dict[str, str] = {}
    if error is not None:
        body = {"error": error.error, "error_description": _quotable(error.description)}
        params += [f'{name}="{value}"' for name, value in body.items()]
        if isinstance(error, InsufficientScope):
            params.append(f'scope="{_quotable(" ".join(error.required))}"')
    response = jsonify(body)
    response.status_code = status
    response.headers["WWW-Authenticate"] = " ".join(["Bearer", ", ".join(params)]).strip()
    response.headers["Cache-Control"] = "no-store"
    return response


def unavailable() -> Response:
    response = jsonify(error="temporarily_unavailable",
                       error_description="access tokens cannot be verified right now")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def _quotable(text: str) -> str:
    """Only the characters RFC 6749 §5.2 allows in an error_description (no quote or
    backslash), so the header cannot be broken out of."""
    return "".join(c for c in text if " " <= c <= "~" and c not in '"\\')
