"""Verification by asking the issuer (RFC 7662), for resources that need revocation to take
effect at once rather than when the token expires.

Every request costs a round trip to the issuer, authenticated with this resource server's own
client credentials (HTTP Basic). An inactive token gives no reason (RFC 7662 §2.2), so the
answer is a plain invalid_token; an unreachable issuer is IssuerUnavailable, not a 401.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from .claims import AccessToken, check_claims
from .discovery import discover, endpoint
from .errors import InvalidToken, IssuerUnavailable
from .http import FetchError, post_form
from .verifier import MAX_TOKEN_LENGTH, check_settings

ACCESS_TOKEN_TYPES = frozenset({"bearer", "access_token"})


class IntrospectionVerifier:
    """`IntrospectionVerifier(issuer, client_id, client_secret).verify(token, scopes)`."""

    def __init__(self, issuer: str, client_id: str, client_secret: str, *,
                 audience: str | None = None, leeway: int = 30,
                 introspection_endpoint: str | None = None, timeout: float = 5,
                 clock: Callable[[], float] = time.time) -> None:
        check_settings(issuer, leeway)
        self.issuer, self.audience, self.leeway = issuer, audience, leeway
        self._credentials = (client_id, client_secret)
        self._endpoint = introspection_endpoint
        self._timeout = timeout
        self._clock = clock

    def _locate(self) -> str:
        if self._endpoint is None:
            self._endpoint = endpoint(discover(self.issuer, self._timeout),
                                      "introspection_endpoint")
        return self._endpoint

    def verify(self, token: str, scopes: Iterable[str] = ()) -> AccessToken:
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_LENGTH:
            raise InvalidToken("malformed access token")
        try:
            answer = post_form(self._locate(), {"token": token, "token_type_hint": "access_token"},
                               self._credentials, self._timeout)
        except FetchError as exc:
            raise IssuerUnavailable(f"introspection failed: {exc}") from None
        if answer.get("active") is not True:
            raise InvalidToken("the access token is not active")
        token_type = answer.get("token_type")
        if token_type is not None and str(token_type).lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidToken("not an access token")
        check_claims(answer, issuer=self.issuer, audience=self.audience, leeway=self.leeway,
                     now=self._clock(), required=())
        return AccessToken(answer).require(scopes)
