"""OpenID Connect fixtures: id_tokens checked the way a relying party checks them."""

from __future__ import annotations

import jwt
import pytest


@pytest.fixture
def verify_id_token(http, rp):
    """Check an id_token as a relying party does: signature against /jwks by kid, RS256,
    iss, aud; returns its header and claims."""
    keys = {key["kid"]: key for key in http.get("/jwks").json["keys"]}

    def verify(token: str) -> tuple[dict, dict]:
        header = jwt.get_unverified_header(token)
        key = jwt.PyJWK(keys[header["kid"]]).key
        claims = jwt.decode(token, key, algorithms=["RS256"], audience=rp.client_id,
                            issuer="http://127.0.0.1:8000", leeway=30,  # frozen_clock moves
                            options={"require": ["exp", "iat", "sub", "auth_time"]})
        return header, claims
    return verify
