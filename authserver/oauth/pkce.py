"""PKCE (RFC 7636), S256 only, as an extension of Authlib's code grant.

At /authorize a challenge is required from public clients and, unless the client's
registration relaxes it, from confidential ones; `plain`, or a challenge without a method
(which RFC 7636 §4.3 defaults to plain), is refused (RFC 9700 §2.1.1). At /token every
failure is invalid_grant (RFC 7636 §4.6), a verifier for a code issued without a challenge
included (the downgrade of RFC 9700 §4.8.2). The code was consumed before the verifier is
checked, so a wrong verifier burns it.
"""

from __future__ import annotations

import hmac
import re

from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge, create_s256_code_challenge

from ..models import Client

METHOD = "S256"
#: BASE64URL(SHA-256(verifier)) without padding: exactly 43 characters (RFC 7636 §4.2)
S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
#: 43-128 unreserved characters (RFC 7636 §4.1)
VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


def requires_pkce(client: Client) -> bool:
    return client.is_public or client.require_pkce


class S256CodeChallenge(CodeChallenge):
    SUPPORTED_CODE_CHALLENGE_METHOD = [METHOD]

    def validate_code_challenge(self, grant, redirect_uri: str) -> None:
        """At /authorize, after the client and redirect_uri are known (errors redirect)."""
        params = grant.request.payload.data
        challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
        if challenge is None:
            if method is not None:
                raise InvalidRequestError("code_challenge_method without a code_challenge")
            if requires_pkce(grant.request.client):
                raise InvalidRequestError("code challenge required (PKCE, S256)")
            return
        if method != METHOD:
            raise InvalidRequestError("code_challenge_method must be S256")
        if not S256_CHALLENGE.fullmatch(challenge):
            raise InvalidRequestError("code_challenge must be 43 base64url characters (S256)")

    def validate_code_verifier(self, grant, result: object) -> None:
        """At /token, once the code is found and consumed."""
        verifier = grant.request.form.get("code_verifier")
        challenge = grant.request.authorization_code.code_challenge
        if challenge is None:
            if verifier is not None:
                raise InvalidGrantError("code_verifier sent, but the authorization request "
                                        "had no code_challenge")
            return
        if verifier is None:
            raise InvalidGrantError("code_verifier is required")
        if not VERIFIER.fullmatch(verifier) or not hmac.compare_digest(
                create_s256_code_challenge(verifier), challenge):
            raise InvalidGrantError("code_verifier does not match the code_challenge")
