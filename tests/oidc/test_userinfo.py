"""/userinfo as a resource: RFC 6750 errors, and our own access-token validation (JW-*)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey

from authserver.clock import clock
from tests.conftest import backends


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forge(header: dict, claims: dict, key: RSAKey) -> str:
    """An RS256 JWS with any header at all (libraries refuse to write odd ones)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    signing_input = f"{b64(header)}.{b64(claims)}"
    signature = key.private_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


@pytest.fixture
def session(tokens, spa, alice) -> dict:
    response = tokens.login(spa, scope="openid profile email")
    assert response.status_code == 200
    return response.json


@pytest.fixture
def claims(app, session) -> dict:
    """A valid token's claims, to forge variations of."""
    payload = session["access_token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture
def sign(app):
    """Sign claims with the server's own active key (a correctly signed token)."""
    keyring = app.extensions["authserver.keys"]

    def _sign(claims: dict, typ: str = "at+jwt") -> str:
        return keyring.sign(claims, typ, clock.now())
    return _sign


def assert_invalid_token(response) -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="authserver"')
    assert 'error="invalid_token"' in challenge
    assert response.json["error"] == "invalid_token"
    assert response.headers["Cache-Control"] == "no-store"


def test_no_token_gets_a_challenge_without_error(http):
    """UI-01."""
    response = http.get("/userinfo")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="authserver"'
    assert "error" not in response.json


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_claims_follow_the_scope(http, session, alice, method):
    """UI-05: header on GET and POST; sub, name, email for openid profile email."""
    response = http.open("/userinfo", method=method, headers=bearer(session["access_token"]))
    assert response.status_code == 200
    assert response.json == {"sub": alice, "name": "Alice", "email": "alice@example.com",
                             "email_verified": False}
    assert response.headers["Cache-Control"] == "no-store"


def test_token_in_form_body_is_accepted(http, session, alice):
    response = http.post("/userinfo", data={"access_token": session["access_token"]})
    assert response.status_code == 200 and response.json["sub"] == alice


def test_scope_limits_the_claims(tokens, http, spa, alice):
    token = tokens.login(spa, scope="openid").json["access_token"]
    assert http.get("/userinfo", headers=bearer(token)).json == {"sub": alice}


def test_token_without_openid_is_insufficient_scope(tokens, http, spa, alice):
    """UI-03."""
    token = tokens.login(spa, scope="email").json["access_token"]
    response = http.get("/userinfo", headers=bearer(token))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_two_ways_of_sending_the_token_is_invalid_request(http, session):
    """UI-04: header and body; a token in the URL is refused too."""
    token = session["access_token"]
    both = http.post("/userinfo", headers=bearer(token), data={"access_token": token})
    assert both.status_code == 400 and both.json["error"] == "invalid_request"
    query = http.get(f"/userinfo?access_token={token}")
    assert query.status_code == 400 and query.json["error"] == "invalid_request"


def test_expired_token_says_so(http, session, frozen_clock):
    """UI-02: the 401 the frontend reacts to by refreshing."""
    frozen_clock.offset += 900
    response = http.get("/userinfo", headers=bearer(session["access_token"]))
    assert_invalid_token(response)
    assert "expired" in response.json["error_description"]


def test_disabled_user_token_is_refused(app, http, session):
    from authserver.extensions import db
    from authserver.users import find_user, set_disabled

    with app.app_context():
        set_disabled(find_user("alice@example.com"), True)
        db.session.commit()
    assert_invalid_token(http.get("/userinfo", headers=bearer(session["access_token"])))


@pytest.mark.parametrize("mangle", [
    lambda t: "not-a-jwt",
    lambda t: "a" * 1_000_000,
    lambda t: "!!!." + t.split(".", 1)[1],
    lambda t: ".".join(t.split(".")[:2]),
    lambda t: t + ".extra",
    lambda t: t.split(".")[0] + "." + t.split(".")[1][:-2] + "AA." + t.split(".")[2],
    lambda t: t.rsplit(".", 1)[0] + ".",
    lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"),
], ids=["not-jwt", "1MB", "bad-base64", "two-segments", "four-segments", "payload-flipped",
        "signature-stripped", "signature-flipped"])
def test_malformed_tokens_are_invalid_never_500(http, session, mangle):
    """IV-06."""
    assert_invalid_token(http.get("/userinfo", headers=bearer(mangle(session["access_token"]))))


def test_alg_none_is_refused(http, claims):
    """JW-03."""
    token = f"{b64({'alg': 'none', 'typ': 'at+jwt'})}.{b64(claims)}."
    assert_invalid_token(http.get("/userinfo", headers=bearer(token)))


def test_hs256_with_the_public_key_as_secret_is_refused(app, http, claims):
    """JW-04: algorithm confusion (CVE-2024-37568)."""
    key = app.extensions["authserver.keys"].keys[-1]
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'at+jwt', 'kid': key.kid})}.{b64(claims)}"
    for secret in (key.jwk.as_pem(private=False), key.jwk.as_dict()["n"].encode()):
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{b64(mac)}"
        assert_invalid_token(http.get("/userinfo", headers=bearer(token)))


def test_attacker_key_embedded_in_header_is_refused(http, claims):
    """JW-05: a jwk/jku header never selects the verification key."""
    attacker = RSAKey.import_key(rsa.generate_private_key(65537, 2048))
    for extra in ({"jwk": attacker.as_dict(private=False)},
                  {"jku": "http://127.0.0.1:9/jwks", "kid": "attacker"}):
        token = jwt.encode({"alg": "RS256", "typ": "at+jwt", **extra}, claims, attacker)
        assert_invalid_token(http.get("/userinfo", headers=bearer(token)))


@pytest.mark.parametrize("kid", ["../../dev/null", "' OR '1'='1", "k" * 10_000, "unknown", 42,
                                 None])
def test_odd_kids_are_refused(http, claims, kid):
    """JW-06."""
    attacker = RSAKey.import_key(rsa.generate_private_key(65537, 2048))
    header = {"alg": "RS256", "typ": "at+jwt", **({"kid": kid} if kid is not None else {})}
    token = forge(header, claims, attacker)
    assert_invalid_token(http.get("/userinfo", headers=bearer(token)))


def test_expiry_has_no_leeway_and_iat_tolerates_skew(http, claims, sign):
    """JW-08, JW-09: exp in the past is refused; iat 10 s ahead passes, 61 s ahead not."""
    now = clock.now()
    assert_invalid_token(http.get("/userinfo", headers=bearer(sign({**claims, "exp": now - 1}))))
    ahead = http.get("/userinfo", headers=bearer(sign({**claims, "iat": now + 10})))
    assert ahead.status_code == 200
    assert_invalid_token(http.get("/userinfo", headers=bearer(sign({**claims, "iat": now + 61}))))


@pytest.mark.parametrize("change", [{"iss": "https://evil.example"}, {"aud": "another-api"},
                                    {"exp": "soon"}])
def test_wrong_issuer_or_audience_is_refused(http, claims, sign, change):
    """JW-10."""
    assert_invalid_token(http.get("/userinfo", headers=bearer(sign({**claims, **change}))))


def test_a_token_of_another_type_is_refused(http, claims, sign):
    """JW-07: only typ at+jwt is an access token."""
    assert_invalid_token(http.get("/userinfo", headers=bearer(sign(claims, typ="JWT"))))


@backends
def test_the_user_is_read_without_the_session(app, http, session, session_begins):
    """Liveness and the user's claims: reads on driver connections, no session begun."""
    session_begins.clear()
    response = http.get("/userinfo", headers=bearer(session["access_token"]))
    assert response.status_code == 200, response.json
    assert response.json["name"] == "Alice"
    assert response.json["email_verified"] is False
    assert session_begins == []


@backends
def test_a_user_disabled_in_storage_alone_is_refused(app, http, session):
    """Disabling through the CLI also ends the user's logins; the flag alone is enough."""
    from sqlalchemy import update

    from authserver.extensions import db
    from authserver.models import User

    with app.app_context():
        db.session.execute(update(User).values(disabled=True))
        db.session.commit()
    assert_invalid_token(http.get("/userinfo", headers=bearer(session["access_token"])))
