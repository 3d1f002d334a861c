"""The Authlib authorization server, built per app (never module-global)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import orjson
from authlib.consts import default_json_headers
from authlib.integrations.flask_oauth2 import AuthorizationServer as FlaskAuthorizationServer
from authlib.oauth2.rfc6749 import (
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    OAuth2Request,
    UnsupportedGrantTypeError,
)
from flask import Flask, Response, current_app, request

from ..keys import KeyRing
from ..metrics import count_token_response
from ..models import OFFLINE_ACCESS, Client, RefreshTokenState
from .client_auth import authenticate_client
from .client_cache import ClientCache
from .grants.authorization_code import AuthorizationCodeGrant
from .grants.client_credentials import ClientCredentialsGrant
from .grants.password import PasswordGrant
from .grants.refresh_token import RefreshTokenGrant
from .id_token import OpenIDCodeFlow, OpenIDRefresh
from .introspection import IntrospectionEndpoint
from .params import read_form
from .pkce import S256CodeChallenge
from .request import ProtocolRequest
from .revocation import RevocationEndpoint
from .tokens import AccessTokenGenerator

GRANTS = (AuthorizationCodeGrant, PasswordGrant, RefreshTokenGrant, ClientCredentialsGrant)
GRANT_TYPES = tuple(grant.GRANT_TYPE for grant in GRANTS)


class UnknownGrantType(UnsupportedGrantTypeError):
    def get_error_description(self) -> str:
        return "this grant_type is not supported"  # never echo the raw value


class AuthorizationServer(FlaskAuthorizationServer):
    def __init__(self, app: Flask, keyring: KeyRing) -> None:
        super().__init__()
        config = app.config
        self.issuer = config["AUTHSERVER_ISSUER"]
        self.scopes_supported = list(dict.fromkeys(
            [*config["AUTHSERVER_SCOPES"].split(), OFFLINE_ACCESS]))
        self.clients = ClientCache(config["AUTHSERVER_CLIENT_CACHE_SECONDS"])
        ttl = config["AUTHSERVER_ACCESS_TOKEN_TTL"]
        self.register_token_generator("default", AccessTokenGenerator(
            keyring, self.issuer, config["AUTHSERVER_ACCESS_TOKEN_AUDIENCE"], ttl))
        extensions = {
            AuthorizationCodeGrant: [S256CodeChallenge(),
                                     OpenIDCodeFlow(keyring, self.issuer, ttl)],
            RefreshTokenGrant: [OpenIDRefresh(keyring, self.issuer, ttl)],
        }
        for grant in GRANTS:
            self.register_grant(grant, extensions.get(grant))
        self.register_endpoint(RevocationEndpoint)
        self.register_endpoint(IntrospectionEndpoint)

    @property
    def grant_types(self) -> list[str]:
        return list(GRANT_TYPES)

    def query_client(self, client_id: str) -> Client | None:
        return self.clients.get(client_id)

    def authenticate_client(self, request: OAuth2Request, methods: Collection[str],
                            endpoint: str = "token") -> Client:
        return authenticate_client(self.query_client, request, methods)

    def create_oauth2_request(self, params: object = None) -> ProtocolRequest:
        """From the form body; or from the parameters /authorize has already read and
        checked (a dict: Authlib's get_consent_grant passes them through)."""
        return ProtocolRequest(request, params if isinstance(params, dict) else
                               read_form(request), self.issuer)

    def get_token_grant(self, oauth_request: OAuth2Request):
        if not oauth_request.payload.grant_type:
            raise InvalidRequestError("missing grant_type")
        try:
            return super().get_token_grant(oauth_request)
        except UnsupportedGrantTypeError:
            raise UnknownGrantType(oauth_request.payload.grant_type) from None

    def validate_requested_scope(self, scope: str | None) -> None:
        if scope and not set(scope.split()) <= set(self.scopes_supported):
            raise InvalidScopeError("unknown scope")

    def issue_tokens(self, params: dict[str, str] | None = None,
                     prefetched: tuple[str, RefreshTokenState] | None = None) -> TokenResult:
        """Authlib's token flow, returning the client too (refresh-cookie mode needs it).

        params stands in for the form body when the request is built by us (/refresh), and
        `prefetched` is the refresh token that request already looked up.
        """
        grant_type = None
        try:
            if params is None:
                params = read_form(request)
            grant_type = params.get("grant_type")
            oauth_request = ProtocolRequest(request, params, self.issuer, prefetched)
            grant = self.get_token_grant(oauth_request)
            grant.validate_token_request()
            status, body, headers = grant.create_token_response()
            result = TokenResult(status, body, headers, oauth_request.client)
        except OAuth2Error as error:
            result = TokenResult(*error(), client=None)
        count_token_response(grant_type if grant_type in GRANT_TYPES else "other",
                             result.status, result.body,
                             result.client.is_public if result.client else None)
        return result

    def endpoint_response(self, name: str) -> Response:
        """Revocation or introspection, with errors from reading the request answered too."""
        try:
            return self.create_endpoint_response(name)
        except OAuth2Error as error:
            return self.handle_error_response(None, error)

    def handle_response(self, status_code: int, payload: object,
                        headers: list[tuple[str, str]]) -> Response:
        return TokenResult(status_code, payload, headers).response()


@dataclass
class TokenResult:
    status: int
    body: object
    headers: list[tuple[str, str]]
    client: Client | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    def response(self) -> Response:
        body = self.body
        if isinstance(body, dict):
            body = orjson.dumps(body)  # compact, as keys/jws.py serialises claims
        return Response(body, status=self.status, headers=self.headers or default_json_headers)


def init_oauth(app: Flask, keyring: KeyRing) -> None:
    app.extensions["authserver.oauth"] = AuthorizationServer(app, keyring)


def authorization_server() -> AuthorizationServer:
    return current_app.extensions["authserver.oauth"]
