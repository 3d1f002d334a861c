"""The OAuth2Request Authlib sees: our checked form parameters, and the issuer's URL."""

from __future__ import annotations

from functools import cache

from authlib.common.security import is_secure_transport
from authlib.oauth2.rfc6749 import InsecureTransportError, OAuth2Request
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from flask import Request

from ..models import RefreshTokenState


@cache
def _secure(issuer: str) -> bool:
    """Authlib's transport check, once per issuer: it parses the URL on every request (4% of
    a client_credentials request), and the answer depends on the issuer alone."""
    return is_secure_transport(issuer + "/")


class ProtocolRequest(OAuth2Request):
    """Sets what Authlib's __init__ sets (tests/oauth/test_protocol_request.py checks that
    nothing is missing) without its per-request URL parsing."""

    def __init__(self, request: Request, params: dict[str, str], issuer: str,
                 prefetched: tuple[str, RefreshTokenState] | None = None) -> None:
        if not _secure(issuer):
            raise InsecureTransportError()
        self.method = request.method
        # the URL is built from the configured issuer, never from the Host header (DS-04)
        self.uri = issuer + request.path
        self.headers = request.headers
        self._body = None
        self.payload = BasicOAuth2Payload(params)
        self.client = self.auth_method = self.user = None
        self.authorization_code = self.refresh_token = self.credential = self._scope = None
        self._params = params
        #: a refresh token the caller has looked up already, with what it found
        self.prefetched_refresh_token = prefetched

    @property
    def form(self) -> dict[str, str]:
        return self._params

    @property
    def args(self) -> dict[str, str]:
        return {}
