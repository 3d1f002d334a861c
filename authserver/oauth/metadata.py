"""Server metadata (RFC 8414, OIDC Discovery 1.0): exactly what is implemented, nothing more."""

from __future__ import annotations

from ..models import AUTH_METHODS
from .claims import supported_claims
from .introspection import IntrospectionEndpoint
from .pkce import METHOD
from .prompt import PROMPT_VALUES
from .revocation import RevocationEndpoint
from .server import AuthorizationServer


def server_metadata(server: AuthorizationServer, signing_algs: list[str]) -> dict:
    """signing_algs: the algs of the published keys, the only ones our tokens carry."""
    issuer = server.issuer
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "end_session_endpoint": f"{issuer}/logout",
        "scopes_supported": server.scopes_supported,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": server.grant_types,
        "code_challenge_methods_supported": [METHOD],
        "prompt_values_supported": list(PROMPT_VALUES),
        "authorization_response_iss_parameter_supported": True,
        "id_token_signing_alg_values_supported": signing_algs,
        # OIDC Discovery §3 defaults request_uri_parameter_supported to true: say we do not
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "claims_parameter_supported": False,
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "revocation_endpoint": f"{issuer}/revoke",
        "revocation_endpoint_auth_methods_supported":
            list(RevocationEndpoint.CLIENT_AUTH_METHODS),
        "introspection_endpoint": f"{issuer}/introspect",
        "introspection_endpoint_auth_methods_supported":
            list(IntrospectionEndpoint.CLIENT_AUTH_METHODS),
        "subject_types_supported": ["public"],
        "claims_supported": supported_claims(),
        # not IANA-registered (RFC 9068 defines none; Janssen and others use this name): a
        # hint for resource servers, which still pin each key's own `alg` from /jwks
        "access_token_signing_alg_values_supported": signing_algs,
    }
