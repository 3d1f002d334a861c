"""For resource servers (APIs): verify this server's access tokens.

Offline, with `TokenVerifier(issuer, audience)`: keys from the issuer's /jwks, cached as its
Cache-Control says, so key rotation needs nothing from the API. Or online, with
`IntrospectionVerifier(issuer, client_id, client_secret)` (RFC 7662), where a revoked token
must stop working at once. `authserver.resource.flask` protects Flask views with
`@require_token("scope")`; the core here is framework-neutral.
"""

from .claims import AccessToken
from .errors import (
    ExpiredToken,
    InsufficientScope,
    InvalidRequest,
    InvalidToken,
    IssuerUnavailable,
    TokenError,
)
from .introspection import IntrospectionVerifier
from .verifier import TokenVerifier

__all__ = ["AccessToken", "ExpiredToken", "InsufficientScope", "IntrospectionVerifier",
           "InvalidRequest", "InvalidToken", "IssuerUnavailable", "TokenError", "TokenVerifier"]
