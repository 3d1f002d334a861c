"""The access-token signer (authserver.keys.jws) writes exactly the JWS joserfc writes: same
header (typ, alg, kid, in that order), same claims bytes, a signature joserfc verifies."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from joserfc import jwt

from authserver.clock import clock
from authserver.keys import create_key
from authserver.keys.jws import sign_jwt

CLAIMS = {"iss": "https://as.example", "sub": "é-unicode", "aud": "api", "client_id": "c1",
          "iat": 1_700_000_000, "exp": 1_700_000_900, "jti": "abc", "scope": "openid email"}
#: what an id_token may carry from a user's profile: escapes, astral characters, booleans
PROFILE = {**CLAIMS, "name": 'Zoë "Zed" \\ O\'Brien 🦊\u2028', "email_verified": False,
           "nonce": "tab\there\nnewline\u0001", "acr": None, "amr": ["pwd"]}


def joserfc_token(key, claims: dict, typ: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EdDSA's name
        return jwt.encode({"alg": key.alg, "typ": typ, "kid": key.kid}, claims, key.jwk,
                          algorithms=[key.alg])


@pytest.mark.parametrize("claims", [CLAIMS, PROFILE], ids=["access", "profile"])
@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_signed_token_matches_joserfc(tmp_path: Path, alg: str, claims: dict) -> None:
    key = create_key(tmp_path, clock.now(), alg=alg)
    ours = sign_jwt(key, dict(claims), "at+jwt")
    theirs = joserfc_token(key, dict(claims), "at+jwt")
    if alg == "ES256":  # ECDSA signatures are randomised: the signed part must match
        assert ours.rsplit(".", 1)[0] == theirs.rsplit(".", 1)[0]
    else:  # PKCS#1 v1.5 and Ed25519 are deterministic: every byte matches
        assert ours == theirs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decoded = jwt.decode(ours, key.jwk, algorithms=[alg])
    assert decoded.header == {"typ": "at+jwt", "alg": alg, "kid": key.kid}
    assert decoded.claims == claims
