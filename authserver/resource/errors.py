"""Why a request's access token was refused, in RFC 6750 §3.1 terms.

str() of a TokenError is a description safe to send back to the client: fixed wording, never
an echo of the token or of anything read from it.
"""

from __future__ import annotations

from collections.abc import Iterable


class TokenError(Exception):
    error = "invalid_token"
    status = 401

    @property
    def description(self) -> str:
        return str(self)


class InvalidToken(TokenError):
    """Malformed, badly signed, for another issuer or audience, revoked...: 401."""


class ExpiredToken(InvalidToken):
    """Past its exp: the client's cue to refresh and retry once (401, says "expired")."""


class InvalidRequest(TokenError):
    """The Authorization header is malformed: 400."""

    error = "invalid_request"
    status = 400


class InsufficientScope(TokenError):
    """A valid token without the scope this resource needs: 403, naming the scopes."""

    error = "insufficient_scope"
    status = 403

    def __init__(self, required: Iterable[str]) -> None:
        self.required = tuple(required)
        super().__init__("the access token lacks a required scope")


class IssuerUnavailable(Exception):
    """The issuer's metadata, keys or introspection endpoint cannot be used right now.

    Not the token's fault, so not a 401 (a 401 would send every client to refresh in a loop):
    the Flask integration answers 503 with Retry-After.
    """
