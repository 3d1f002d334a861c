"""POST /introspect (RFC 7662) for resource servers.

Exactly {"active": false} for anything not live or not the caller's to see (IN-03, IN-04):
resource-server clients see access tokens; a client sees its own refresh tokens only.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Request
from authlib.oauth2.rfc7662 import IntrospectionEndpoint as BaseIntrospectionEndpoint

from ..clock import clock
from ..models import Client
from .token_lookup import FoundAccessToken, FoundRefreshToken, find_token

INACTIVE = {"active": False}


class IntrospectionEndpoint(BaseIntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def check_params(self, request: OAuth2Request, client: Client) -> None:
        if "token" not in request.form:
            raise InvalidRequestError("missing token")

    def query_token(self, token_string: str, token_type_hint: str | None
                    ) -> FoundAccessToken | FoundRefreshToken | None:
        return find_token(token_string, clock.now())

    def check_permission(self, token: FoundAccessToken | FoundRefreshToken, client: Client,
                         request: OAuth2Request) -> bool:
        if isinstance(token, FoundAccessToken):
            return client.resource_server
        return token.check_client(client)

    def create_introspection_payload(self, token: FoundAccessToken | FoundRefreshToken | None
                                     ) -> dict:
        if token is None or not token.is_active(clock.now()):
            return dict(INACTIVE)
        return self.introspect_token(token)

    def introspect_token(self, token: FoundAccessToken | FoundRefreshToken) -> dict:
        issuer = self.server.issuer
        if isinstance(token, FoundAccessToken):
            claims = token.claims
            fields = ("scope", "client_id", "sub", "exp", "iat", "iss", "aud", "jti")
            return {"active": True, "token_type": "Bearer",
                    **{name: claims[name] for name in fields if name in claims}}
        state = token.state
        return {"active": True, "token_type": "refresh_token", "scope": state.scope,
                "client_id": state.client_id, "sub": state.sub, "iss": issuer,
                "iat": state.issued_at, "exp": state.expires_at}
