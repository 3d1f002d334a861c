"""Server metadata (RFC 8414, OIDC Discovery 1.0): exactly what is implemented, nothing more."""

from __future__ import annotations

from ..models import AUTH_METHODS
from .claims import supported_claims
from .server import AuthorizationServer


def server_metadata(server: AuthorizationServer) -> dict:
    issuer = server.issuer
    return {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "scopes_supported": server.scopes_supported,
        "response_types_supported": [],
        "grant_types_supported": server.grant_types,
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "subject_types_supported": ["public"],
        "claims_supported": supported_claims(),
    }
