"""grant_type=password (RFC 6749 §4.3), for first-party clients only."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidGrantError, grants

from ...audit import audit
from ...clock import clock
from ...credentials import check_credentials
from ...models import TokenFamily
from ..subject import Subject
from .base import GrantSettings

#: One answer for unknown user, wrong password and disabled account (BF-02, BF-03).
BAD_CREDENTIALS = "invalid username or password"


class PasswordGrant(GrantSettings, grants.ResourceOwnerPasswordCredentialsGrant):
    def authenticate_user(self, username: str, password: str) -> Subject:
        """Check the credentials; raises invalid_grant itself.

        Authlib would answer invalid_request (RFC 6749 §5.2 says invalid_grant for bad
        resource owner credentials).
        """
        user = check_credentials(username, password,
                                 self.settings["AUTHSERVER_PASSWORD_MAX_LENGTH"],
                                 via="password_grant", client_id=self.request.client.client_id)
        if user is None:
            raise InvalidGrantError(BAD_CREDENTIALS)
        return Subject(user_id=user.id, sub=user.sub, family_id=TokenFamily.new_id(),
                       auth_time=clock.now())

    def save_token(self, token: dict) -> None:
        """Start the login's token family with its first refresh token."""
        subject: Subject = self.request.user
        self.start_family(subject, token)
        audit("token.issued", grant="password", client_id=self.client.client_id,
              user=subject.sub)
