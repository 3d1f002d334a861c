"""Offline verification of this server's access tokens (RFC 9068) against its /jwks.

Checked before any key is looked up: the token's shape, an alg from the allowlist (asymmetric
only: never none or HS*), no embedded key or key URL (jwk, jku, x5u, x5c: RFC 8725 §3.10;
they are refused, never fetched), typ at+jwt (RFC 9068 §4, so an id_token is not an access
token: RFC 8725 §3.11). Then the kid must name a published key whose own alg is the token's,
the signature must hold, and the claims must fit: iss, aud, exp/nbf/iat with a leeway of at
most 60 s, and the scopes the resource requires.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jws import JWSRegistry

from ..algorithms import ALGORITHMS
from .claims import MAX_LEEWAY, AccessToken, check_claims
from .discovery import discover, endpoint
from .errors import InvalidToken
from .http import fetchable
from .jwks import KeySetCache

MAX_TOKEN_LENGTH = 8192
MAX_KID_LENGTH = 256
EMBEDDED_KEY_HEADERS = frozenset({"jwk", "jku", "x5u", "x5c"})
#: extensions this issuer never uses: refused rather than understood (RFC 7515 §4.1.11,
#: RFC 7797's unencoded payloads)
UNSUPPORTED_HEADERS = frozenset({"crit", "b64"})
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})  # media types: any case


def check_settings(issuer: str, leeway: int) -> None:
    if not fetchable(issuer):
        raise ValueError(f"issuer must be an https URL (http only on a loopback address), "
                         f"not {issuer!r}")
    if not 0 <= leeway <= MAX_LEEWAY:
        raise ValueError(f"leeway must be between 0 and {MAX_LEEWAY} seconds")


class TokenVerifier:
    """`TokenVerifier(issuer, audience).verify(token, ["orders:read"])` -> AccessToken.

    Discovers jwks_uri from the issuer's metadata at first use (or takes `jwks_uri`), then
    caches its keys as /jwks's Cache-Control allows; an unknown kid refetches at most once per
    `refetch_interval` seconds.
    """

    def __init__(self, issuer: str, audience: str, *,
                 algorithms: Iterable[str] = tuple(ALGORITHMS), leeway: int = 30,
                 refetch_interval: float = 30, jwks_uri: str | None = None,
                 timeout: float = 5, clock: Callable[[], float] = time.time) -> None:
        check_settings(issuer, leeway)
        unsafe = set(algorithms) - ALGORITHMS.keys()
        if unsafe:
            raise ValueError(f"algorithms not accepted: {sorted(unsafe)} "
                             f"(asymmetric ones only: {', '.join(ALGORITHMS)})")
        if not audience:
            raise ValueError("an audience is required: the identifier of this resource")
        self.issuer, self.audience, self.leeway = issuer, audience, leeway
        self.algorithms = {name: ALGORITHMS[name] for name in algorithms}
        self._registries = {name: JWSRegistry(algorithms=[name]) for name in algorithms}
        self._jwks_uri = jwks_uri
        self._timeout = timeout
        self._clock = clock
        self.keys = KeySetCache(self._locate_jwks, self.algorithms,
                                refetch_interval=refetch_interval, timeout=timeout, clock=clock)

    def _locate_jwks(self) -> str:
        if self._jwks_uri is None:
            self._jwks_uri = endpoint(discover(self.issuer, self._timeout), "jwks_uri")
        return self._jwks_uri

    def verify(self, token: str, scopes: Iterable[str] = ()) -> AccessToken:
        """The verified token; InvalidToken, ExpiredToken or InsufficientScope otherwise
        (IssuerUnavailable when the keys cannot be fetched at all)."""
        signed = _extract(token)
        header = signed.headers()
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise InvalidToken("the token's signing algorithm is not accepted")
        if EMBEDDED_KEY_HEADERS & header.keys():
            raise InvalidToken("keys named or embedded in the token are not accepted")
        if UNSUPPORTED_HEADERS & header.keys():
            raise InvalidToken("unsupported token header")
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidToken("not an access token (typ must be at+jwt)")
        kid = header.get("kid")
        if not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID_LENGTH:
            raise InvalidToken("unknown signing key")
        key = self.keys.get(kid)
        if key is None:
            raise InvalidToken("unknown signing key")
        if alg not in key.algorithms:
            raise InvalidToken("the token's algorithm does not match its key")
        try:
            valid = jws.validate_compact(signed, key.key, registry=self._registries[alg])
        except (JoseError, ValueError, TypeError):
            valid = False
        if not valid:
            raise InvalidToken("bad signature")
        claims = _claims(signed.payload)
        check_claims(claims, issuer=self.issuer, audience=self.audience, leeway=self.leeway,
                     now=self._clock())
        return AccessToken(claims).require(scopes)


_PARSER = JWSRegistry()
_PARSER.max_header_length = 2048  # room to see (and refuse) an embedded jwk or x5c


def _extract(token: object) -> jws.CompactSignature:
    """The token split and decoded, nothing verified yet: enough to decide whether to."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise InvalidToken("malformed access token")
    try:
        signed = jws.extract_compact(token.encode(), registry=_PARSER)
    except (JoseError, ValueError, TypeError, UnicodeError):
        raise InvalidToken("malformed access token") from None
    if not isinstance(signed.headers(), dict):
        raise InvalidToken("malformed access token")
    return signed


def _claims(payload: bytes) -> dict:
    try:
        claims = json.loads(payload)
    except (ValueError, UnicodeError):
        raise InvalidToken("malformed access token") from None
    if not isinstance(claims, dict):
        raise InvalidToken("malformed access token")
    return claims
