"""Flask's signed-cookie session with its serializer built once instead of on every request.

authserver keeps nothing in Flask's session, but Flask opens it on every request, and
itsdangerous' serializer built each time was about 4% of a client_credentials request.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializer: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Rebuilt only when the secret key or its fallbacks change."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._serializer is None or self._serializer[0] != keys:
            self._serializer = (keys, super().get_signing_serializer(app))
        return self._serializer[1]


def init_app(app: Flask) -> None:
    app.session_interface = CachedSerializerSessionInterface()
