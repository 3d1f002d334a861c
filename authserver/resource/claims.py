"""What a verified access token says, and the claim checks both verifiers share."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ExpiredToken, InsufficientScope, InvalidToken

#: RFC 9068 §2.2: every JWT access token carries these
JWT_CLAIMS = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")
MAX_LEEWAY = 60  # seconds; JW-08, JW-09: tolerate clock skew, never more than a minute


@dataclass(frozen=True)
class AccessToken:
    """A verified token: its claims (or introspection answer) and the usual questions."""

    claims: Mapping[str, Any]

    @property
    def subject(self) -> str | None:
        return self.claims.get("sub")

    @property
    def client_id(self) -> str | None:
        return self.claims.get("client_id")

    @property
    def scopes(self) -> frozenset[str]:
        scope = self.claims.get("scope")
        return frozenset(scope.split()) if isinstance(scope, str) else frozenset()

    @property
    def expires_at(self) -> float | None:
        return self.claims.get("exp")

    def require(self, scopes: Iterable[str]) -> AccessToken:
        """Itself, if it carries every scope in `scopes`; InsufficientScope otherwise."""
        wanted = tuple(scopes)
        if not set(wanted) <= self.scopes:
            raise InsufficientScope(wanted)
        return self


def check_claims(claims: Mapping[str, Any], *, issuer: str, audience: str | None,
                 leeway: int, now: float, required: Iterable[str] = JWT_CLAIMS) -> None:
    """iss, aud and the times (RFC 7519 §4.1, RFC 9068 §4); claims not in `required` are
    checked only when present."""
    missing = [name for name in required if name not in claims]
    if missing:
        raise InvalidToken(f"the access token has no {missing[0]} claim")
    for name in ("sub", "client_id", "jti", "scope"):
        if name in claims and not isinstance(claims[name], str):
            raise InvalidToken(f"the access token's {name} is not a string")
    if "iss" in claims and claims["iss"] != issuer:
        raise InvalidToken("the access token is from another issuer")
    if audience is not None and "aud" in claims and not _names(claims["aud"], audience):
        raise InvalidToken("the access token is meant for another audience")
    exp, nbf, iat = (_time(claims, name) for name in ("exp", "nbf", "iat"))
    if exp is not None and now >= exp + leeway:
        raise ExpiredToken("the access token expired")
    if nbf is not None and nbf > now + leeway:
        raise InvalidToken("the access token is not valid yet")
    if iat is not None and iat > now + leeway:
        raise InvalidToken("the access token is issued in the future")


def _names(aud: object, audience: str) -> bool:
    return aud == audience or (isinstance(aud, list) and audience in aud)


def _time(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidToken(f"the access token's {name} is not a time")
    return value
