"""The Authlib authorization server, built per app (never module-global)."""

from __future__ import annotations

import json
from collections.abc import Collection

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
from ..models import Client
from .client_auth import authenticate_client
from .grants.client_credentials import ClientCredentialsGrant
from .grants.password import PasswordGrant
from .grants.refresh_token import RefreshTokenGrant
from .params import read_form
from .request import ProtocolRequest
from .tokens import AccessTokenGenerator

GRANTS = (PasswordGrant, RefreshTokenGrant, ClientCredentialsGrant)


class UnknownGrantType(UnsupportedGrantTypeError):
    def get_error_description(self) -> str:
        return "this grant_type is not supported"  # never echo the raw value


class AuthorizationServer(FlaskAuthorizationServer):
    def __init__(self, app: Flask, keyring: KeyRing) -> None:
        super().__init__()
        config = app.config
        self.issuer = config["AUTHSERVER_ISSUER"]
        self.scopes_supported = config["AUTHSERVER_SCOPES"].split()
        self.register_token_generator("default", AccessTokenGenerator(
            keyring, self.issuer, config["AUTHSERVER_ACCESS_TOKEN_AUDIENCE"],
            config["AUTHSERVER_ACCESS_TOKEN_TTL"]))
        for grant in GRANTS:
            self.register_grant(grant)

    @property
    def grant_types(self) -> list[str]:
        return [grant.GRANT_TYPE for grant in GRANTS]

    def query_client(self, client_id: str) -> Client | None:
        return Client.find(client_id)

    def authenticate_client(self, request: OAuth2Request, methods: Collection[str],
                            endpoint: str = "token") -> Client:
        return authenticate_client(self.query_client, request, methods)

    def create_oauth2_request(self, _request: object = None) -> ProtocolRequest:
        return ProtocolRequest(request, read_form(request), self.issuer)

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

    def create_token_response(self, _request: object = None) -> Response:
        """Authlib's flow, with errors from reading the request answered the same way."""
        try:
            return super().create_token_response()
        except OAuth2Error as error:
            return self.handle_error_response(None, error)

    def handle_response(self, status_code: int, payload: object,
                        headers: list[tuple[str, str]]) -> Response:
        if isinstance(payload, dict):
            payload = json.dumps(payload, separators=(",", ":"))
        return Response(payload, status=status_code, headers=headers)


def error_response(error: OAuth2Error) -> Response:
    """An RFC error body with the token endpoint's headers, for errors outside Authlib."""
    status, body, headers = error()
    return Response(json.dumps(body), status=status,
                    headers=headers or default_json_headers)


def init_oauth(app: Flask, keyring: KeyRing) -> None:
    app.extensions["authserver.oauth"] = AuthorizationServer(app, keyring)


def authorization_server() -> AuthorizationServer:
    return current_app.extensions["authserver.oauth"]
