"""POST /revoke (RFC 7009): a refresh token takes its whole family with it; an access token
is denied by its jti until it expires."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Request
from authlib.oauth2.rfc7009 import RevocationEndpoint as BaseRevocationEndpoint

from ..audit import audit
from ..clock import clock
from ..models import AUTH_METHODS, Client, RevokedAccessToken, TokenFamily
from .token_lookup import FoundAccessToken, FoundRefreshToken, find_token


class RevocationEndpoint(BaseRevocationEndpoint):
    #: public clients revoke their own tokens with their client_id alone (RFC 7009 §2.1)
    CLIENT_AUTH_METHODS = list(AUTH_METHODS)

    def check_params(self, request: OAuth2Request, client: Client) -> None:
        """token is required; token_type_hint is only a hint, whatever it says (RV-05)."""
        if "token" not in request.form:
            raise InvalidRequestError("missing token")

    def authenticate_token(self, request: OAuth2Request, client: Client
                           ) -> FoundAccessToken | FoundRefreshToken | None:
        """Unknown, expired and other clients' tokens are a silent no-op (RV-02, RV-03)."""
        self.check_params(request, client)
        token = find_token(request.form["token"], clock.now())
        return token if token is not None and token.check_client(client) else None

    def revoke_token(self, token: FoundAccessToken | FoundRefreshToken,
                     request: OAuth2Request) -> None:
        if isinstance(token, FoundAccessToken):
            RevokedAccessToken.revoke(token.claims["jti"], token.claims["exp"])
            audit("token.revoked", kind="access_token", client_id=request.client.client_id)
        else:
            TokenFamily.revoke(token.state.family_id, clock.now())
            audit("token.revoked", kind="refresh_token", family=token.state.family_id,
                  client_id=request.client.client_id)
