"""What every grant of ours shares."""

from __future__ import annotations

from flask import current_app

from ...models import AUTH_METHODS


class GrantSettings:
    """Accept every auth method we implement; the client's registration picks one."""

    TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)

    @property
    def settings(self) -> dict:
        return current_app.config
