"""The issuer's public keys, cached as its /jwks Cache-Control allows.

A kid missing from the cache triggers one refetch, at most once per `refetch_interval`
seconds whatever the tokens say, so made-up kids cannot turn verification into a flood of
requests to the issuer. The issuer publishes a new key for at least a max-age before it signs
with it, so a cache that honours max-age never needs that refetch during a rotation.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import JWKRegistry

from ..algorithms import Algorithm, algorithms_for
from .errors import IssuerUnavailable
from .http import FetchError, get_json

logger = logging.getLogger("authserver.resource")
DEFAULT_MAX_AGE = 300  # when /jwks says nothing about caching
MAX_MAX_AGE = 86_400
RETRY_AFTER_FAILURE = 5  # seconds before a failed fetch is tried again
MIN_RSA_BITS = 2048
#: the members a public key needs: anything else (private parts, x5c, x5u...) is dropped
PUBLIC_MEMBERS = {"RSA": ("kty", "n", "e"), "EC": ("kty", "crv", "x", "y"),
                  "OKP": ("kty", "crv", "x")}


@dataclass(frozen=True)
class VerificationKey:
    key: Any  # a joserfc public key
    algorithms: frozenset[str]  # the only algs a token verified with this key may carry


def parse_jwks(document: dict, allowed: Mapping[str, Algorithm]) -> dict[str, VerificationKey]:
    """The usable signing keys of a JWK set by kid. Skipped: keys without a kid, not for
    signatures, of a type no allowed alg fits (oct keys never do), RSA under 2048 bits; a kid
    listed twice is ambiguous and dropped altogether."""
    items = document.get("keys")
    if not isinstance(items, list):
        raise FetchError("not a JWK set")
    found: dict[str, VerificationKey] = {}
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("kid"), str):
            continue
        kid = item["kid"]
        if kid in seen:
            found.pop(kid, None)
            continue
        seen.add(kid)
        key = _import(item, allowed)
        if key is not None:
            found[kid] = key
    return found


def _import(item: dict, allowed: Mapping[str, Algorithm]) -> VerificationKey | None:
    algorithms = algorithms_for(item, allowed)
    if item.get("use", "sig") != "sig" or not algorithms:
        return None
    try:
        key = JWKRegistry.import_key({name: item[name] for name in PUBLIC_MEMBERS[item["kty"]]})
    except (KeyError, ValueError, TypeError) as exc:
        logger.warning("skipping unreadable key %r in the issuer's JWK set: %s", item["kid"], exc)
        return None
    if item["kty"] == "RSA" and key.raw_value.key_size < MIN_RSA_BITS:
        return None
    return VerificationKey(key, algorithms)


class KeySetCache:
    """Thread-safe: one fetch at a time; readers use the last good key set meanwhile."""

    def __init__(self, locate: Callable[[], str], allowed: Mapping[str, Algorithm], *,
                 refetch_interval: float, timeout: float, clock: Callable[[], float]) -> None:
        self._locate = locate
        self._allowed = allowed
        self.refetch_interval = refetch_interval
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, VerificationKey] = {}
        self._fresh_until = -math.inf
        self._fetched_at = -math.inf  # last attempt, successful or not
        self._failure = ""
        self.fetches = 0  # for tests and the benchmark

    def get(self, kid: str) -> VerificationKey | None:
        """The key for `kid`; IssuerUnavailable if no key set could ever be fetched."""
        if self._clock() >= self._fresh_until:
            self._refresh(lambda: self._clock() >= self._fresh_until)
        key = self._keys.get(kid)
        if key is None and self._clock() - self._fetched_at >= self.refetch_interval:
            self._refresh(lambda: kid not in self._keys
                          and self._clock() - self._fetched_at >= self.refetch_interval)
            key = self._keys.get(kid)
        if key is None and not self._keys:
            raise IssuerUnavailable(self._failure or "the issuer publishes no usable key")
        return key

    def _refresh(self, still_needed: Callable[[], bool]) -> None:
        with self._lock:
            if not still_needed():
                return  # another thread refreshed while this one waited
            now = self._clock()
            self._fetched_at = now
            self.fetches += 1
            try:
                document, max_age = get_json(self._locate(), self._timeout)
                keys = parse_jwks(document, self._allowed)
            except (FetchError, IssuerUnavailable) as exc:
                self._failure = str(exc)
                self._fresh_until = now + RETRY_AFTER_FAILURE
                logger.warning("cannot refresh the issuer's keys (keeping %d cached): %s",
                               len(self._keys), exc)
                return
            self._keys = keys
            seconds = DEFAULT_MAX_AGE if max_age is None else max_age
            self._fresh_until = now + min(seconds, MAX_MAX_AGE)
