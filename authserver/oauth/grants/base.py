"""What every grant of ours shares."""

from __future__ import annotations

from flask import current_app

from ...clock import clock
from ...models import AUTH_METHODS, RefreshToken, TokenFamily
from ..subject import Subject


class GrantSettings:
    """Accept every auth method we implement; the client's registration picks one."""

    TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)

    @property
    def settings(self) -> dict:
        return current_app.config

    def start_family(self, subject: Subject, token: dict, openid: bool = False) -> TokenFamily:
        """Start the login's token family, with its first refresh token when one was issued
        (the access tokens carry the family id, so revoking the family reaches them too)."""
        now = clock.now()
        family = TokenFamily.start(
            subject.family_id, subject.user_id, self.client.client_id, token.get("scope", ""),
            subject.auth_time, now, self.settings["AUTHSERVER_REFRESH_TOKEN_ABSOLUTE_TTL"],
            self.request.headers.get("User-Agent"), openid=openid)
        if "refresh_token" in token:
            row = RefreshToken.issue(token["refresh_token"], family, now,
                                     self.settings["AUTHSERVER_REFRESH_TOKEN_TTL"])
            token["refresh_token_expires_in"] = row.expires_at - now
        return family
