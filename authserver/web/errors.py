"""Errors as RFC error bodies: never a stack trace, SQL text or exception message (HD-03)."""

from __future__ import annotations

import logging

from flask import Flask, Response
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from ..passwords import RETRY_AFTER, PasswordHashBusy
from .answers import error_answer

log = logging.getLogger("authserver")

_ERROR_CODES = {
    405: ("invalid_request", "method not allowed"),
    413: ("invalid_request", "request body too large"),
    404: ("not_found", "no such endpoint"),
}


def _json_error(status: int, error: str, description: str, **headers: str) -> Response:
    response = error_answer(status, error, description)
    response.headers.update(headers)
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        error, description = _ERROR_CODES.get(exc.code or 500, ("invalid_request", exc.name))
        response = _json_error(exc.code or 500, error, description)
        if exc.code == 405 and (allowed := exc.get_headers()):
            response.headers.update({k: v for k, v in allowed if k == "Allow"})
        return response

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError) -> Response:
        """A database that cannot answer (OperationalError), or a connection found lost
        whatever the driver called it (a closed SQLite connection raises ProgrammingError;
        SQLAlchemy invalidated it, so the next request opens another): 503 and retry."""
        if not isinstance(exc, OperationalError) and not exc.connection_invalidated:
            return server_error(exc)
        log.error("database unavailable: %s", type(exc.orig).__name__)
        return _json_error(503, "server_error", "the database is unavailable",
                           **{"Retry-After": "5"})

    @app.errorhandler(PasswordHashBusy)
    def hashing_busy(_exc: PasswordHashBusy) -> Response:
        """RFC 6749 §4.1.2.1's code for an overloaded server; pages map it to their own 503."""
        return _json_error(503, "temporarily_unavailable", "the server is busy; retry shortly",
                           **{"Retry-After": str(RETRY_AFTER)})

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> Response:
        log.exception("unhandled error")
        return _json_error(500, "server_error", "internal error")
