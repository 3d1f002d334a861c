"""grant_type=password (RFC 6749 §4.3), for first-party clients only."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidGrantError, grants

from ...audit import audit
from ...clock import clock
from ...models import RefreshToken, TokenFamily, User
from ...passwords import hash_password, needs_rehash, verify_password
from ..subject import Subject
from .base import GrantSettings

#: One answer for unknown user, wrong password and disabled account (BF-02, BF-03).
BAD_CREDENTIALS = "invalid username or password"


class PasswordGrant(GrantSettings, grants.ResourceOwnerPasswordCredentialsGrant):
    def authenticate_user(self, username: str, password: str) -> Subject:
        """Verify the password, burning the same argon2 time when the user is unknown.

        Raises invalid_grant itself: Authlib would answer invalid_request (RFC 6749 §5.2
        says invalid_grant for bad resource owner credentials).
        """
        if len(password) > self.settings["AUTHSERVER_PASSWORD_MAX_LENGTH"]:
            raise InvalidGrantError(BAD_CREDENTIALS)
        user = User.find_by_email(username)
        valid = verify_password(user.password_hash if user else None, password)
        client_id = self.request.client.client_id
        if not valid or user is None or user.disabled:
            audit("login.failed", via="password_grant", client_id=client_id,
                  user=user.sub if user else None)
            raise InvalidGrantError(BAD_CREDENTIALS)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        audit("login.succeeded", via="password_grant", client_id=client_id, user=user.sub)
        return Subject(user=user, family_id=TokenFamily.new_id(), auth_time=clock.now())

    def save_token(self, token: dict) -> None:
        """Start the login's token family with its first refresh token."""
        subject: Subject = self.request.user
        now = clock.now()
        family = TokenFamily.start(
            subject.family_id, subject.user.id, self.client.client_id, token.get("scope", ""),
            subject.auth_time, now, self.settings["AUTHSERVER_REFRESH_TOKEN_ABSOLUTE_TTL"],
            self.request.headers.get("User-Agent"))
        row = RefreshToken.issue(token["refresh_token"], family, now,
                                 self.settings["AUTHSERVER_REFRESH_TOKEN_TTL"])
        token["refresh_token_expires_in"] = row.expires_at - now
        audit("token.issued", grant="password", client_id=self.client.client_id,
              user=subject.user.sub)
