"""Registered OAuth clients; Authlib asks them what they may do."""

from __future__ import annotations

import re

from sqlalchemy import JSON, Boolean, String, false, select, true
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import BigId, Instant

#: token_endpoint_auth_method values we implement
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
#: OIDC Core §11: asks for a refresh token; a client may ask for it when it may refresh
OFFLINE_ACCESS = "offline_access"
#: a loopback IP-literal redirect URI of a native app: host, optional port, the rest
_LOOPBACK = re.compile(r"http://(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?].*)?", re.DOTALL)


class Client(db.Model):
    __tablename__ = "client"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of a 256-bit random secret; None for public clients
    secret_digest: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    grant_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    response_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the most this client may ask for
    scope: Mapped[str] = mapped_column(String(1000), default="")
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(40))
    #: first-party clients may use the password grant and skip consent
    first_party: Mapped[bool] = mapped_column(Boolean, default=False)
    refresh_cookie: Mapped[bool] = mapped_column(Boolean, default=False)
    cors_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: a resource server: may introspect access tokens (RFC 7662)
    resource_server: Mapped[bool] = mapped_column(Boolean, default=False,
                                                  server_default=false())
    #: PKCE (S256) at /authorize; always for public clients, relaxable for confidential ones
    require_pkce: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[int] = mapped_column(Instant)

    @classmethod
    def find(cls, client_id: str) -> Client | None:
        return db.session.scalar(select(cls).where(cls.client_id == client_id))

    @classmethod
    def all(cls) -> list[Client]:
        return list(db.session.scalars(select(cls).order_by(cls.id)))

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"

    # -- Authlib's ClientMixin --------------------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The client's whole scope when none was asked; None (invalid_scope) beyond it.

        offline_access is allowed to exactly the clients registered for refresh tokens.
        """
        if not scope:
            return self.scope
        allowed = set(self.scope.split())
        if "refresh_token" in self.grant_types:
            allowed.add(OFFLINE_ACCESS)
        asked = list(dict.fromkeys(scope.split()))  # each scope once: what is stored is short
        if set(asked) <= allowed:
            return " ".join(asked)
        return None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exact string match (RFC 9700 §2.1); the one exception is the port of a loopback
        IP-literal URI, which a native app picks at run time (RFC 8252 §7.3)."""
        if redirect_uri in self.redirect_uris:
            return True
        if len(redirect_uri) > 2000:  # what a code can hold; no registered URI is longer
            return False
        presented = _LOOPBACK.fullmatch(redirect_uri)
        if presented is None or int(presented.group(2) or 80) > 65535:
            return False
        for registered in self.redirect_uris:
            match = _LOOPBACK.fullmatch(registered)
            if match and match.group(1, 3) == presented.group(1, 3):
                return True
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        """response_type=code is the code grant's front half: allowed with that grant."""
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "password" and not self.first_party:
            return False
        if grant_type == "client_credentials" and self.is_public:
            return False
        return grant_type in self.grant_types
