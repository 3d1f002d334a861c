"""AUTHSERVER_ACCESS_TOKEN_ALG: ES256 and EdDSA keys beside RS256, each key verifying only its
own alg (RFC 8725 §3.1), and discovery listing exactly the algs of the published keys."""

from __future__ import annotations

import jwt
import pytest
from joserfc import jwt as jose

from authserver import create_app
from authserver.algorithms import ALGORITHMS
from authserver.keys import create_key
from authserver.keys.files import KINDS


@pytest.fixture
def settings(settings: dict) -> dict:
    """A server told to sign with EdDSA, whose folder still holds the RS256 template key."""
    return settings | {"AUTHSERVER_ACCESS_TOKEN_ALG": "EdDSA", "AUTHSERVER_JWKS_MAX_AGE": 60}


def login(tokens, spa) -> str:
    response = tokens.login(spa)
    assert response.status_code == 200, response.json
    return response.json["access_token"]


def userinfo(http, token: str):
    return http.get("/userinfo", headers={"Authorization": f"Bearer {token}"})


def advertised(http) -> list[str]:
    return http.get("/.well-known/oauth-authorization-server").json[
        "access_token_signing_alg_values_supported"]


def test_every_algorithm_has_a_key_kind() -> None:
    assert KINDS.keys() == ALGORITHMS.keys() == {"RS256", "ES256", "EdDSA"}


def test_changing_the_alg_rotates_to_a_key_of_that_alg(stopped_clock, http, tokens, spa,
                                                       alice) -> None:
    """At start the server creates an EdDSA key; it is published at once and signs one
    max-age later; RS256 tokens issued before keep verifying until they expire."""
    old_token = login(tokens, spa)
    assert jwt.get_unverified_header(old_token)["alg"] == "RS256"
    published = {k["alg"]: k for k in http.get("/jwks").json["keys"]}
    assert published.keys() == {"RS256", "EdDSA"}
    assert published["EdDSA"]["kty"] == "OKP" and published["EdDSA"]["crv"] == "Ed25519"
    assert not {"d", "p", "q"} & published["EdDSA"].keys()
    assert advertised(http) == ["EdDSA", "RS256"]

    stopped_clock.offset += 60
    new_token = login(tokens, spa)
    header = jwt.get_unverified_header(new_token)
    assert (header["alg"], header["kid"]) == ("EdDSA", published["EdDSA"]["kid"])
    for token in (old_token, new_token):
        assert userinfo(http, token).status_code == 200


def test_a_token_cannot_borrow_another_keys_algorithm(stopped_clock, http, tokens, spa,
                                                      alice, app) -> None:
    """The EdDSA key's kid on an RS256 signature (made with the RSA key) is refused: the alg
    is pinned per key, not taken from the token."""
    stopped_clock.offset += 60
    ring = app.extensions["authserver.keys"]
    eddsa = ring.active(stopped_clock.now())
    rsa = next(k for k in ring.keys if k.alg == "RS256")
    claims = jwt.decode(login(tokens, spa), options={"verify_signature": False})
    forged = jose.encode({"alg": "RS256", "typ": "at+jwt", "kid": eddsa.kid}, claims, rsa.jwk)
    response = userinfo(http, forged)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_es256_signs_too(settings: dict, stopped_clock, tmp_path) -> None:
    folder = tmp_path / "es256"
    create_key(folder, stopped_clock.now() - 10, alg="ES256")
    app = create_app(settings | {"AUTHSERVER_ACCESS_TOKEN_ALG": "ES256",
                                 "AUTHSERVER_KEYS_DIR": str(folder)})
    ring = app.extensions["authserver.keys"]
    token = ring.sign({"sub": "x"}, "at+jwt", stopped_clock.now())
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    (key,) = app.test_client().get("/jwks").json["keys"]
    assert (key["kty"], key["crv"], key["alg"]) == ("EC", "P-256", "ES256")
    assert len(list(folder.glob("*.json"))) == 1  # the right alg already: nothing to rotate
