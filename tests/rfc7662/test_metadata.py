"""DS-03, point 5: discovery advertises revocation and introspection with their auth methods."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration",
                                  "/.well-known/oauth-authorization-server"])
def test_both_endpoints_and_their_auth_methods_are_advertised(app, http, path):
    metadata = http.get(path).get_json()
    issuer = app.config["AUTHSERVER_ISSUER"]
    assert metadata["revocation_endpoint"] == f"{issuer}/revoke"
    assert metadata["introspection_endpoint"] == f"{issuer}/introspect"
    # public clients revoke their own tokens with their client_id alone (RFC 7009 §2.1)
    assert metadata["revocation_endpoint_auth_methods_supported"] == [
        "client_secret_basic", "client_secret_post", "none"]
    # introspection is for confidential resource servers only (IN-01)
    assert metadata["introspection_endpoint_auth_methods_supported"] == [
        "client_secret_basic", "client_secret_post"]
