"""Validation of our own access tokens where this server is the resource (/userinfo).

The key is looked up only among our keys by kid (no embedded jwk/jku/x5u is ever used: RFC 8725
§3.10) and the algorithm is pinned to that key's own alg (RFC 8725 §3.1). Beyond the signature,
a token counts only while its family is live, so family revocation reaches access tokens too.
"""

from __future__ import annotations

from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError

from ..keys import KeyRing
from ..keys.files import JWK
from ..models import RevokedAccessToken
from .tokens import ACCESS_TOKEN_TYP

#: Our own tokens expire by our own clock, so no leeway on exp; an iat slightly ahead is
#: tolerated for instances whose clocks differ (RFC 9068 §4; JW-08, JW-09 allow up to 60 s).
IAT_LEEWAY = 60
MAX_TOKEN_LENGTH = 8192


class InvalidToken(Exception):
    """The token cannot be used; str() is a description safe to send back."""


class ExpiredToken(InvalidToken):
    pass


def decode_signed(token: str, keyring: KeyRing, now: int, kind: str = "access token"
                  ) -> jwt.Token:
    """A JWT whose signature one of our published keys made; InvalidToken otherwise.

    Checks no claim: the callers know which token type they expect.
    """
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise InvalidToken(f"malformed {kind}")

    def resolve_key(obj) -> JWK:
        header = obj.headers()
        kid = header.get("kid")
        key = keyring.find(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("unknown signing key")
        if header.get("alg") != key.alg:
            raise InvalidToken(f"invalid {kind}")
        return key.jwk

    try:
        return jwt.decode(token, resolve_key, algorithms=keyring.algorithms(now))
    except InvalidToken:
        raise
    except (JoseError, ValueError, TypeError, KeyError, IndexError):
        raise InvalidToken(f"invalid {kind}") from None


def decode_access_token(token: str, keyring: KeyRing, issuer: str, audience: str,
                        now: int) -> dict:
    """The claims of an unexpired access token signed by us; InvalidToken otherwise.

    Says nothing of revocation: see `verify_access_token`.
    """
    decoded = decode_signed(token, keyring, now)
    if decoded.header.get("typ") != ACCESS_TOKEN_TYP:
        raise InvalidToken("not an access token")
    claims = decoded.claims
    _check_claims(claims, issuer, audience, now)
    return claims


def is_live(claims: dict, now: int) -> bool:
    """Not revoked: neither its jti (RFC 7009) nor, for user tokens, its family; a token
    with no family (client_credentials) ends with its client's deletion."""
    family_id = claims.get("grant_id")
    if family_id is not None and not isinstance(family_id, str):
        return False
    revoked, family_expires_at = RevokedAccessToken.liveness(claims["jti"], family_id)
    if revoked:
        return False
    if family_id is None:
        return current_app.extensions["authserver.oauth"].query_client(
            claims["client_id"]) is not None
    return family_expires_at is not None and now < family_expires_at


def verify_access_token(token: str, now: int, live: bool = True) -> dict:
    """Our access token's claims, checked with this app's keys, issuer and audience.

    live=False skips the revocation checks (revoking a revoked token is a no-op anyway).
    """
    config = current_app.config
    claims = decode_access_token(token, current_app.extensions["authserver.keys"],
                                 config["AUTHSERVER_ISSUER"],
                                 config["AUTHSERVER_ACCESS_TOKEN_AUDIENCE"], now)
    if live and not is_live(claims, now):
        raise InvalidToken("access token revoked")
    return claims


def _check_claims(claims: dict, issuer: str, audience: str, now: int) -> None:
    if claims.get("iss") != issuer:
        raise InvalidToken("wrong issuer")
    aud = claims.get("aud")
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise InvalidToken("wrong audience")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not (isinstance(exp, int) and isinstance(iat, int) and isinstance(claims.get("sub"), str)
            and isinstance(claims.get("jti"), str) and isinstance(claims.get("client_id"), str)):
        raise InvalidToken("malformed access token")
    if exp <= now:
        raise ExpiredToken("access token expired")
    if iat - IAT_LEEWAY > now:
        raise InvalidToken("access token issued in the future")
