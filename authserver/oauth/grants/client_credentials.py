"""grant_type=client_credentials (RFC 6749 §4.4): confidential clients, no refresh token."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import grants

from ...audit import audit
from .base import GrantSettings


class ClientCredentialsGrant(GrantSettings, grants.ClientCredentialsGrant):
    def save_token(self, token: dict) -> None:
        """Nothing stored: the access token is a self-contained JWT, revocable by its jti."""
        audit("token.issued", grant="client_credentials", client_id=self.client.client_id)
