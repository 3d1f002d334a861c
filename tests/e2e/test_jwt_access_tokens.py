"""Access tokens verified the way a resource server does it: PyJWT against the live /jwks."""

from __future__ import annotations

import base64

import jwt
import requests
from jwt import PyJWKClient

from .helpers import TIMEOUT, frontend_session, login, machine_session, token_url

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def verify(server, token: str) -> dict:
    """Offline verification: key from the live /jwks by kid, RS256 only, iss and aud pinned."""
    key = PyJWKClient(f"{server.url}/jwks").get_signing_key_from_jwt(token)
    return jwt.decode(token, key, algorithms=["RS256"], audience=server.url, issuer=server.url,
                      options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]})


def published_kids(server) -> list[str]:
    response = requests.get(f"{server.url}/jwks", timeout=TIMEOUT)
    return [key["kid"] for key in response.json()["keys"]]


def test_access_tokens_verify_against_live_jwks(server, spa, machine, alice):
    """JW-01, TE-10: RS256, typ at+jwt, a published kid, the RFC 9068 claims, 15 min by
    default; a client_credentials token has the client_id as sub and no refresh token."""
    token = login(frontend_session(spa), server)
    access_token = token["access_token"]

    header = jwt.get_unverified_header(access_token)
    assert header["alg"] == "RS256"
    assert header["typ"] == "at+jwt"
    assert header["kid"] in published_kids(server)

    claims = verify(server, access_token)
    assert claims["iss"] == server.url
    assert claims["sub"] == alice
    assert claims["aud"] == server.url
    assert claims["client_id"] == spa.client_id
    assert set(claims["scope"].split()) == {"openid", "profile", "email"}
    assert claims["exp"] - claims["iat"] == 900
    assert token["expires_in"] == 900
    assert isinstance(claims["jti"], str) and claims["jti"]
    assert isinstance(claims["auth_time"], int)
    assert claims["iat"] - 5 <= claims["auth_time"] <= claims["iat"]

    again = verify(server, login(frontend_session(spa), server)["access_token"])
    assert again["jti"] != claims["jti"]

    # TE-10: a client_credentials token names the client as sub, and has no refresh token
    token = machine_session(machine).fetch_token(token_url(server),
                                                 grant_type="client_credentials")
    assert "refresh_token" not in token
    assert token["token_type"].lower() == "bearer"
    header = jwt.get_unverified_header(token["access_token"])
    assert (header["alg"], header["typ"]) == ("RS256", "at+jwt")

    claims = verify(server, token["access_token"])
    assert claims["sub"] == machine.client_id == claims["client_id"]
    assert claims["sub"] != alice
    assert "auth_time" not in claims
    assert claims["exp"] - claims["iat"] == 900


def test_jwks_publishes_public_rsa_keys_only(server):
    """JW-11: public members only, RSA >= 2048 bits, unique kids, cacheable with an ETag."""
    response = requests.get(f"{server.url}/jwks", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    keys = response.json()["keys"]
    assert keys
    for key in keys:
        assert not PRIVATE_MEMBERS & key.keys(), f"private members published: {key.keys()}"
        assert key["kty"] == "RSA"
        modulus = base64.urlsafe_b64decode(key["n"] + "=" * (-len(key["n"]) % 4))
        assert int.from_bytes(modulus, "big").bit_length() >= 2048
        assert key["use"] == "sig" and key["alg"] == "RS256"
        assert key["kid"]
    kids = [key["kid"] for key in keys]
    assert len(kids) == len(set(kids))

    cache = response.headers["Cache-Control"]
    directives = {part.strip().partition("=")[0]: part.strip().partition("=")[2]
                  for part in cache.split(",")}
    assert "public" in directives
    assert int(directives["max-age"]) > 0
    assert "no-store" not in directives

    etag = response.headers["ETag"]
    again = requests.get(f"{server.url}/jwks", headers={"If-None-Match": etag}, timeout=TIMEOUT)
    assert again.status_code == 304
    assert again.content == b""
    stale = requests.get(f"{server.url}/jwks", headers={"If-None-Match": '"other"'},
                         timeout=TIMEOUT)
    assert stale.status_code == 200
    assert stale.json() == response.json()
