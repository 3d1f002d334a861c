"""Client authentication at the token endpoint (RFC 6749 §2.3.1).

Replaces Authlib's registry so that every failure looks the same: unknown client, wrong
secret, wrong method or a malformed header all answer one 401 invalid_client with
`WWW-Authenticate: Basic` (CA-01, CA-02), after the same digest comparison (CA-06).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Collection
from urllib.parse import unquote

from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError, OAuth2Request

from ..crypto import same_digest
from ..models import Client
from .params import has_control_characters

_NO_DIGEST = "0" * 64


class ClientAuthenticationFailed(InvalidClientError):
    """One answer for every failed client authentication."""

    status_code = 401
    description = "client authentication failed"

    def get_headers(self) -> list[tuple[str, str]]:
        return [*default_json_headers, ("WWW-Authenticate", 'Basic realm="authserver"')]


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """Decode `Authorization: Basic` per RFC 6749 Appendix B; None when it is absent."""
    if not header:
        return None
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ClientAuthenticationFailed() from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise ClientAuthenticationFailed()
    try:
        client_id, secret = (unquote(client_id.replace("+", " "), errors="strict"),
                             unquote(secret.replace("+", " "), errors="strict"))
    except UnicodeDecodeError:
        raise ClientAuthenticationFailed() from None
    if has_control_characters(client_id) or has_control_characters(secret):
        raise ClientAuthenticationFailed()  # the body's rule; PostgreSQL text cannot hold NUL
    return client_id, secret


def authenticate_client(query_client: Callable[[str], Client | None], request: OAuth2Request,
                        methods: Collection[str]) -> Client:
    """Identify and authenticate the client, or raise the one invalid_client answer."""
    basic = parse_basic(request.headers.get("Authorization"))
    body_id = request.form.get("client_id")
    body_secret = request.form.get("client_secret")
    if basic and body_secret:
        raise InvalidRequestError("use one client authentication method, not two")
    if basic:
        method, (client_id, secret) = "client_secret_basic", basic
        if body_id is not None and body_id != client_id:
            raise InvalidRequestError("client_id differs from the Authorization header")
    elif body_secret:
        method, client_id, secret = "client_secret_post", body_id, body_secret
    else:
        method, client_id, secret = "none", body_id, None

    client = query_client(client_id) if client_id else None
    if secret is not None:
        stored = client.secret_digest if client and client.secret_digest else _NO_DIGEST
        secret_ok = same_digest(secret, stored) and client is not None
    else:
        secret_ok = client is not None and client.is_public
    if not (secret_ok and method in methods and client.token_endpoint_auth_method == method):
        raise ClientAuthenticationFailed()
    request.auth_method = method
    request.client = client  # Authlib sets it late in some grants; hooks need it earlier
    return client
