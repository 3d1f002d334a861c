"""The JWS algorithms access tokens may be signed with, each bound to one kind of key.

Asymmetric only: `none` and the HS* MACs are never signed or accepted (RFC 8725 §3.1), and
an algorithm accepts only its own key type and curve, so a published key can never be used
with an algorithm it was not made for (the key-confusion attacks of RFC 8725 §2.1). Shared by
the server (keys/) and the resource-server library (resource/).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Algorithm:
    name: str  # the JWS `alg` value
    kty: str  # the JWK key type it needs (RFC 7518 §6, RFC 8037 §2)
    crv: str | None = None  # and the curve, for EC and OKP keys


ALGORITHMS: dict[str, Algorithm] = {alg.name: alg for alg in (
    Algorithm("RS256", "RSA"),
    Algorithm("ES256", "EC", "P-256"),
    Algorithm("EdDSA", "OKP", "Ed25519"),  # RFC 8037; what most JOSE libraries verify today
)}
DEFAULT_ALGORITHM = "RS256"


def algorithms_for(jwk: Mapping[str, object], allowed: Mapping[str, Algorithm] = ALGORITHMS
                   ) -> frozenset[str]:
    """The algorithms a public JWK may verify: its own `alg` member when it has one (then
    only if that fits the key), otherwise every allowed algorithm that fits its kty and crv."""
    fitting = {name for name, alg in allowed.items()
               if alg.kty == jwk.get("kty") and alg.crv == jwk.get("crv")}
    declared = jwk.get("alg")
    if declared is None:
        return frozenset(fitting)
    return frozenset({declared} & fitting)
