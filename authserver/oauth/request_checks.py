"""What /authorize checks before deciding anything: the client and its redirect URI (or an
error page), then the request itself with Authlib's code grant, and an id_token_hint."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import OAuth2Error
from flask import current_app

from ..clock import clock
from ..models import Client
from .bearer import InvalidToken
from .id_token import decode_id_token_hint
from .prompt import Prompt
from .reply import ErrorPage, Reply, RequestError
from .server import AuthorizationServer
from .subject import SignedIn


def client_and_reply(server: AuthorizationServer, params: dict
                      ) -> tuple[Client, Reply] | tuple[None, ErrorPage]:
    """The client and where to answer it, or the error page when either is unknown."""
    client_id = params.get("client_id")
    client = server.query_client(client_id) if client_id else None
    if client is None:
        description = "the client is unknown" if client_id else "client_id is missing"
        return None, ErrorPage("invalid_client", description)
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is None:
        redirect_uri = client.get_default_redirect_uri()
        if redirect_uri is None:
            return None, ErrorPage("invalid_request", "redirect_uri is missing, and the client "
                                                      "has more than one registered")
    elif not client.check_redirect_uri(redirect_uri):
        return None, ErrorPage("invalid_request",
                               "redirect_uri is not registered for this client")
    return client, Reply(redirect_uri, params.get("state"), server.issuer)


def validate(server: AuthorizationServer, params: dict, signed_in: SignedIn | None):
    """Authlib's code grant checks the request (client, redirect_uri, response_type, scope,
    PKCE, nonce); our own checks come first where Authlib would echo input in a message."""
    for name, error in (("request", "request_not_supported"),
                        ("request_uri", "request_uri_not_supported")):
        if name in params:
            raise RequestError(error, f"the {name} parameter is not supported")
    response_type = params.get("response_type")
    if response_type is None:
        raise RequestError("invalid_request", "response_type is missing")
    if response_type != "code":
        raise RequestError("unsupported_response_type", "only response_type=code is supported")
    if params.get("response_mode", "query") != "query":
        raise RequestError("invalid_request", "only response_mode=query is supported")
    try:
        return server.get_consent_grant(params, end_user=signed_in)
    except OAuth2Error as error:
        raise RequestError(error.error, error.get_error_description() or error.error) from None


def check_id_token_hint(server: AuthorizationServer, params: dict, client: Client,
                         signed_in: SignedIn | None, prompt: Prompt) -> None:
    """A hint we issued to this client; naming another user than the signed-in one means
    that user must sign in (prompt=none: login_required)."""
    hint = params.get("id_token_hint")
    if hint is None:
        return
    try:
        claims = decode_id_token_hint(hint, current_app.extensions["authserver.keys"],
                                      server.issuer, clock.now())
    except InvalidToken:
        claims = None
    if claims is None or claims["aud"] != client.client_id:
        raise RequestError("invalid_request", "id_token_hint is not an id_token we issued to "
                                              "this client")
    if signed_in is not None and claims["sub"] != signed_in.user.sub:
        prompt.require_login()
