"""OpenID Connect id_tokens (OIDC Core §2, §3.1.3.6): issued by the code grant and, for a
sign-in that started with one, by every refresh (§12.2); and read back as id_token_hint.

Authlib's OpenIDToken has no key, issuer or kid of its own (STYLE.md). Here encode_id_token
signs with the key ring in one step, so kid, alg and the hash behind at_hash always belong
to the same active key; the user's claims come from oauth/claims.py, as /userinfo's do.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Request
from authlib.oidc.core import OpenIDCode, OpenIDToken
from authlib.oidc.core.util import create_half_hash

from ..clock import clock
from ..extensions import db
from ..keys import KeyRing
from ..models import Client, User
from .bearer import InvalidToken, decode_signed
from .claims import user_claims
from .subject import Subject

ID_TOKEN_TYP = "JWT"
#: the nonce column's width; OIDC sets no limit, a longer one is refused (invalid_request)
MAX_NONCE_LENGTH = 512


class IdTokens(OpenIDToken):
    def __init__(self, keyring: KeyRing, issuer: str, ttl: int) -> None:
        self.keyring = keyring
        self.issuer = issuer
        self.ttl = ttl

    def get_client_claims(self, client: Client) -> dict:
        """One audience, the client, so no azp is needed (OIDC Core §2)."""
        now = clock.now()
        return {"iss": self.issuer, "aud": client.client_id, "iat": now, "exp": now + self.ttl}

    def user(self, request: OAuth2Request) -> User:
        """The User row: loaded here, since the code grant carries only ids."""
        return db.session.get(User, request.user.user_id)

    def encode_id_token(self, token: dict, request: OAuth2Request) -> str:
        subject: Subject = request.user
        claims = self.get_client_claims(request.client)
        # the time of the login, kept across refreshes (RF-05); present whether or not
        # max_age was sent
        claims["auth_time"] = subject.auth_time
        code = request.authorization_code  # None on a refresh: no nonce then (§12.2)
        if code is not None and code.nonce:
            claims["nonce"] = code.nonce
        alg = self.keyring.active(claims["iat"]).alg
        claims["at_hash"] = create_half_hash(token["access_token"], alg).decode()
        claims.update(user_claims(self.user(request), set(token["scope"].split())))
        return self.keyring.sign(claims, ID_TOKEN_TYP, claims["iat"])


class OpenIDCodeFlow(IdTokens, OpenIDCode):
    """The code grant's OpenID extension: an id_token when the scope has openid.

    prompt, max_age and id_token_hint are decided with login and consent in
    oauth/authorization.py, for every request, so Authlib's prompt hook is not registered.
    """

    def validate_openid_authorization_request(self, grant, redirect_uri: str) -> None:
        """No replay check of the nonce here: it binds the id_token to the relying party's
        session, and the relying party checks it (OIDC Core §3.1.3.7)."""
        nonce = grant.request.payload.data.get("nonce")
        if nonce is not None and len(nonce) > MAX_NONCE_LENGTH:
            raise InvalidRequestError(f"nonce is longer than {MAX_NONCE_LENGTH} characters")

    def __call__(self, grant) -> None:
        grant.register_hook("after_create_token_response", self.process_token)
        grant.register_hook("after_validate_authorization_request_payload",
                            self.validate_openid_authorization_request)


class OpenIDRefresh(IdTokens):
    """The refresh grant's OpenID extension: a new id_token for an OpenID sign-in."""

    def process_token(self, grant, response: tuple) -> dict:
        if not grant.request.refresh_token.state.openid:
            return response[1]
        return super().process_token(grant, response)

    def user(self, request: OAuth2Request) -> User:
        """From the refresh token's lookup, which read the user's claims with it: the
        refresh may run in a driver transaction the session must stay out of (hot_path)."""
        return request.refresh_token.state.user()


def decode_id_token_hint(token: str, keyring: KeyRing, issuer: str, now: int) -> dict:
    """The claims of an id_token we issued, expired or not (a hint may be old); an access
    token is refused by its typ (JW-07). InvalidToken otherwise."""
    decoded = decode_signed(token, keyring, now, kind="id_token_hint")
    claims = decoded.claims
    if decoded.header.get("typ") != ID_TOKEN_TYP or claims.get("iss") != issuer \
            or not isinstance(claims.get("sub"), str) or not isinstance(claims.get("aud"), str):
        raise InvalidToken("invalid id_token_hint")
    return claims
