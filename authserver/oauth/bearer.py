"""Validation of our own access tokens where this server is the resource (/userinfo).

The algorithm is pinned to RS256 and the key is looked up only among our keys by kid (no
embedded jwk/jku/x5u is ever used: RFC 8725 §3.10). Beyond the signature, a token counts only
while its family is live, so family revocation reaches access tokens too.
"""

from __future__ import annotations

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from ..keys import KeyRing
from ..models import TokenFamily
from .tokens import ACCESS_TOKEN_TYP

#: Our own tokens expire by our own clock, so no leeway on exp; an iat slightly ahead is
#: tolerated for instances whose clocks differ (RFC 9068 §4; JW-08, JW-09 allow up to 60 s).
IAT_LEEWAY = 60
MAX_TOKEN_LENGTH = 8192


class InvalidToken(Exception):
    """The token cannot be used; str() is a description safe to send back."""


class ExpiredToken(InvalidToken):
    pass


def verify_access_token(token: str, keyring: KeyRing, issuer: str, audience: str,
                        now: int) -> dict:
    """The claims of a valid, live access token issued by us; InvalidToken otherwise."""
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise InvalidToken("malformed access token")

    def resolve_key(obj) -> RSAKey:
        kid = obj.headers().get("kid")
        key = keyring.find(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("unknown signing key")
        return key.jwk

    try:
        decoded = jwt.decode(token, resolve_key, algorithms=["RS256"])
    except InvalidToken:
        raise
    except (JoseError, ValueError, TypeError, KeyError, IndexError):
        raise InvalidToken("invalid access token") from None
    if decoded.header.get("typ") != ACCESS_TOKEN_TYP:
        raise InvalidToken("not an access token")
    claims = decoded.claims
    _check_claims(claims, issuer, audience, now)
    family_id = claims.get("grant_id")
    if family_id is not None and not (isinstance(family_id, str)
                                      and TokenFamily.is_active(family_id, now)):
        raise InvalidToken("access token revoked")
    return claims


def _check_claims(claims: dict, issuer: str, audience: str, now: int) -> None:
    if claims.get("iss") != issuer:
        raise InvalidToken("wrong issuer")
    aud = claims.get("aud")
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise InvalidToken("wrong audience")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not (isinstance(exp, int) and isinstance(iat, int) and isinstance(claims.get("sub"), str)):
        raise InvalidToken("malformed access token")
    if exp <= now:
        raise ExpiredToken("access token expired")
    if iat - IAT_LEEWAY > now:
        raise InvalidToken("access token issued in the future")
