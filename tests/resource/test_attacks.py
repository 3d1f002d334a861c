"""JW-03..JW-10 against the resource-server library, through the Flask decorator: every
forged, confused or out-of-date token gets 401 invalid_token (RFC 6750 §3.1), never a 500,
never an outbound request it names, and only an expired token says "expired"."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket

import pytest
from cryptography.hazmat.primitives import serialization
from joserfc.jwk import RSAKey

from tests.e2e.helpers import bearer_challenge

from .conftest import AUDIENCE, NOW, Signer, StubIssuer, b64


def hand_made(header: dict, claims: dict, signature: bytes = b"",
              mac_key: bytes | None = None) -> str:
    """A JWS built by hand, as an attacker would: any header, MAC'd or unsigned."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    if mac_key is not None:
        signature = hmac.new(mac_key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def call(api, token: str | None, path: str = "/orders", **headers: str):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return api.get(path, headers=headers)


def assert_invalid_token(response, *words: str) -> str:
    assert response.status_code == 401, response.get_data(as_text=True)
    challenge = bearer_challenge(response)
    assert challenge["error"] == "invalid_token", challenge
    assert challenge["realm"] == "api"
    assert response.json["error"] == "invalid_token"
    description = challenge["error_description"]
    assert description == response.json["error_description"]
    for word in words:
        assert word in description, description
    return description


def test_a_valid_token_reaches_the_view(api, rs256: Signer) -> None:
    response = call(api, rs256.token())
    assert response.status_code == 200, response.json
    assert response.json == {"sub": "user-1", "client_id": "spa"}


def test_no_token_gets_a_bare_challenge(api, rs256: Signer) -> None:
    """RFC 6750 §3.1: a request without credentials gets no error code."""
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        response = api.get("/orders", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
        assert "error" not in response.json
    response = api.get(f"/orders?access_token={rs256.token()}")  # never read from the URL
    assert response.status_code == 401 and "error" not in response.json


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b", "Bearer tok\"en",
                                    "Bearer ,"])
def test_a_malformed_authorization_header_is_invalid_request(api, header: str) -> None:
    response = api.get("/orders", headers={"Authorization": header})
    assert response.status_code == 400
    assert bearer_challenge(response)["error"] == "invalid_request"


def test_alg_none_is_rejected(api, rs256: Signer) -> None:
    """JW-03"""
    for alg in ("none", "None", "NONE"):
        token = hand_made({"alg": alg, "typ": "at+jwt", "kid": rs256.kid}, rs256.claims())
        assert_invalid_token(call(api, token), "algorithm")


def test_hs256_keyed_with_the_public_key_is_rejected(api, rs256: Signer) -> None:
    """JW-04: the MAC key is the issuer's public key as PEM, DER, or the JWK's n."""
    public = rs256.key.get_op_key("verify")
    pem = public.public_bytes(serialization.Encoding.PEM,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    for mac_key in (pem, der, rs256.public_jwk()["n"].encode()):
        for alg in ("HS256", "HS384", "HS512"):
            token = hand_made({"alg": alg, "typ": "at+jwt", "kid": rs256.kid},
                              rs256.claims(), mac_key=mac_key)
            assert_invalid_token(call(api, token), "algorithm")


def test_a_token_signed_for_another_keys_algorithm_is_rejected(api, issuer: StubIssuer,
                                                               rs256: Signer,
                                                               es256: Signer) -> None:
    """Each key verifies only its own alg: an ES256 signature under the RSA key's kid fails,
    before any signature check."""
    issuer.publish(rs256, es256)
    forged = Signer(es256.key, "ES256", issuer.url, kid=rs256.kid).token()
    assert_invalid_token(call(api, forged), "does not match")


@pytest.mark.parametrize("member", ["jwk", "jku", "x5u", "x5c"])
def test_embedded_or_referenced_keys_are_rejected_and_never_fetched(
        api, issuer: StubIssuer, rs256: Signer, member: str) -> None:
    """JW-05: the attacker signs with their own key and points at it from the header."""
    attacker = Signer(RSAKey.generate_key(2048), "RS256", issuer.url)
    with socket.socket() as trap:
        trap.bind(("127.0.0.1", 0))
        trap.listen()
        trap.settimeout(0.3)
        url = f"http://127.0.0.1:{trap.getsockname()[1]}/keys"
        value = {"jwk": attacker.public_jwk(), "jku": url, "x5u": url,
                 "x5c": [b64(b"not really a certificate")]}[member]
        for kid in (attacker.kid, rs256.kid):
            token = attacker.raw_token({member: value, "kid": kid})
            assert_invalid_token(call(api, token), "embedded")
        with pytest.raises(TimeoutError):
            trap.accept()  # nobody connected to the URL in the header
    assert issuer.paths() == []  # rejected before any key was even looked up


@pytest.mark.parametrize("header", [{"crit": ["exp"], "exp": 1}, {"b64": False,
                                                                   "crit": ["b64"]}])
def test_header_extensions_are_refused(api, rs256: Signer, header: dict) -> None:
    """crit and RFC 7797's unencoded payloads: never used by the issuer, never understood."""
    assert_invalid_token(call(api, rs256.raw_token(header)), "unsupported")


@pytest.mark.parametrize("kid", ["../../dev/null", "' OR '1'='1", "x" * 300, "unknown",
                                 "", 42, ["a"], {"k": 1}, None, "\x00", "../" * 50])
def test_kid_injection_is_an_unknown_key(api, issuer: StubIssuer, rs256: Signer,
                                         kid: object) -> None:
    """JW-06: a kid is only ever a dictionary key; it never reaches a file or a query."""
    token = rs256.raw_token({"kid": kid})
    assert_invalid_token(call(api, token), "unknown signing key")


def test_a_10_kb_kid_is_refused_before_parsing(api, rs256: Signer) -> None:
    assert_invalid_token(call(api, rs256.token(header={"kid": "k" * 10_240})), "malformed")


def test_made_up_kids_cannot_flood_the_issuer(api, issuer: StubIssuer, rs256: Signer,
                                              clock, verifier) -> None:
    """An unknown kid refetches /jwks at most once per refetch_interval (10 s here)."""
    for second in range(30):
        for number in range(5):
            token = rs256.token(header={"kid": f"kid-{second}-{number}"})
            assert_invalid_token(call(api, token), "unknown signing key")
        clock.now += 1
    assert issuer.paths().count("/jwks") == 3  # at 0 s (first use), 10 s and 20 s
    assert call(api, rs256.token()).status_code == 200


@pytest.mark.parametrize("typ", ["JWT", "jwt", "at+JWT-not", "id_token", "", None, 7])
def test_a_token_that_is_not_typed_at_jwt_is_rejected(api, rs256: Signer, typ: object) -> None:
    """JW-07: an id_token (typ JWT or none, aud = the client) is not an access token."""
    token = rs256.raw_token({"typ": typ}, aud="spa")
    assert_invalid_token(call(api, token), "typ must be at+jwt")


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt"])
def test_every_spelling_of_the_at_jwt_media_type_is_accepted(api, rs256: Signer,
                                                             typ: str) -> None:
    assert call(api, rs256.token(header={"typ": typ})).status_code == 200


@pytest.mark.parametrize(("claims", "words"), [
    ({"iss": "https://evil.example"}, "another issuer"),
    ({"iss": None}, "no iss"),
    ({"aud": "https://other-api.example.com"}, "another audience"),
    ({"aud": ["https://other-api.example.com", "spa"]}, "another audience"),
    ({"aud": None}, "no aud"),
    ({"sub": None}, "no sub"),
    ({"client_id": None}, "no client_id"),
    ({"jti": None}, "no jti"),
    ({"exp": None}, "no exp"),
    ({"iat": None}, "no iat"),
    ({"exp": "tomorrow"}, "not a time"),
    ({"exp": True}, "not a time"),
    ({"sub": 12}, "not a string"),
    ({"scope": ["orders:read"]}, "not a string"),
])
def test_wrong_or_missing_claims_are_rejected(api, rs256: Signer, claims: dict,
                                              words: str) -> None:
    """JW-10 and RFC 9068 §2.2."""
    assert_invalid_token(call(api, rs256.token(**claims)), words)


def test_an_audience_list_naming_us_is_accepted(api, rs256: Signer) -> None:
    token = rs256.token(aud=["https://other-api.example.com", AUDIENCE])
    assert call(api, token).status_code == 200


def test_expiry_with_leeway(api, rs256: Signer) -> None:
    """JW-08: exp = now-1 s passes with the 30 s leeway; exp = now-31 s is expired, and the
    answer says so (the frontend's cue to refresh)."""
    assert call(api, rs256.token(exp=NOW - 1)).status_code == 200
    assert call(api, rs256.token(exp=NOW - 29)).status_code == 200
    assert_invalid_token(call(api, rs256.token(exp=NOW - 30)), "expired")
    assert_invalid_token(call(api, rs256.token(exp=NOW - 31)), "expired")


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_times_in_the_future(api, rs256: Signer, claim: str) -> None:
    """JW-09: 10 s ahead passes (clock skew), 61 s ahead does not."""
    assert call(api, rs256.token(**{claim: NOW + 10})).status_code == 200
    description = assert_invalid_token(call(api, rs256.token(**{claim: NOW + 61})))
    assert "expired" not in description


def test_a_tampered_payload_fails_the_signature(api, rs256: Signer) -> None:
    header, _, signature = rs256.token().split(".")
    forged_claims = rs256.claims(sub="admin")
    forged = f"{header}.{b64(json.dumps(forged_claims).encode())}.{signature}"
    assert_invalid_token(call(api, forged), "bad signature")


@pytest.mark.parametrize("token", ["abc", "a.b", "a.b.c.d", "e30.e30.", "!!!.???.###",
                                   "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln"])
def test_garbage_is_malformed(api, token: str) -> None:
    assert call(api, token).status_code in (400, 401)


def test_missing_scope_is_403_insufficient_scope(api, rs256: Signer) -> None:
    """RFC 6750 §3.1: a valid token without the resource's scope."""
    response = call(api, rs256.token(scope="openid profile"))
    assert response.status_code == 403
    challenge = bearer_challenge(response)
    assert challenge["error"] == "insufficient_scope"
    assert challenge["scope"] == "orders:read"
    assert call(api, rs256.token(scope=None)).status_code == 403
    assert call(api, rs256.token(scope=None), path="/me").status_code == 200
