"""The OAuth2Request Authlib sees: our checked form parameters, and the issuer's URL."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from flask import Request

from ..models import RefreshTokenState


class ProtocolRequest(OAuth2Request):
    def __init__(self, request: Request, params: dict[str, str], issuer: str,
                 prefetched: tuple[str, RefreshTokenState] | None = None) -> None:
        # the URL is built from the configured issuer, never from the Host header (DS-04)
        super().__init__(request.method, issuer + request.path, headers=request.headers)
        self.payload = BasicOAuth2Payload(params)
        self._params = params
        #: a refresh token the caller has looked up already, with what it found
        self.prefetched_refresh_token = prefetched

    @property
    def form(self) -> dict[str, str]:
        return self._params

    @property
    def args(self) -> dict[str, str]:
        return {}
