"""A relying party signs a user in through a real server with nothing but standard
libraries and discovery: Authlib's OAuth2Session (PKCE S256), the login and consent forms
driven over HTTP with requests, the id_token verified with PyJWT's PyJWKClient against
/jwks; then refresh, userinfo and RP-initiated logout. And one code, many exchanges."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.conftest import PG_URL, Registered
from tests.support.authorize import CALLBACK, follow, register

from .helpers import TIMEOUT, assert_not_logged, concurrently

AFTER_LOGOUT = "https://rp.example.com/signed-out"
SCOPE = "openid profile email offline_access"


def discover(server) -> dict:
    return requests.get(f"{server.url}/.well-known/openid-configuration", timeout=TIMEOUT).json()


def relying_party(client: Registered) -> OAuth2Session:
    """What an RP configures: its credentials (none for a public client), PKCE S256."""
    auth_method = "client_secret_basic" if client.secret else "none"
    return OAuth2Session(client.client_id, client.secret, scope=SCOPE, redirect_uri=CALLBACK,
                         code_challenge_method="S256", token_endpoint_auth_method=auth_method,
                         default_timeout=TIMEOUT)


def at_hash(access_token: str) -> str:
    half = hashlib.sha256(access_token.encode()).digest()[:16]
    return base64.urlsafe_b64encode(half).rstrip(b"=").decode()


def sign_in(server, metadata: dict, rp: OAuth2Session, browser: requests.Session,
            **params: str) -> tuple[dict, str, str]:
    """The whole front channel and the code exchange; returns the token, the nonce and the
    callback URL the browser was sent to."""
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = rp.create_authorization_url(metadata["authorization_endpoint"],
                                             code_verifier=verifier, nonce=nonce, **params)
    assert f"code_challenge={create_s256_code_challenge(verifier)}" in url
    first = browser.get(url, allow_redirects=False, timeout=TIMEOUT)
    callback = follow(browser, server.url, first.headers["Location"], CALLBACK)
    answer = parse_qs(urlsplit(callback).query)
    assert answer["state"] == [state] and answer["iss"] == [metadata["issuer"]]
    token = rp.fetch_token(metadata["token_endpoint"], authorization_response=callback,
                           code_verifier=verifier)
    return token, nonce, callback


def verify_id_token(metadata: dict, client: Registered, id_token: str) -> dict:
    key = jwt.PyJWKClient(metadata["jwks_uri"]).get_signing_key_from_jwt(id_token)
    return jwt.decode(id_token, key.key, algorithms=metadata[
        "id_token_signing_alg_values_supported"], audience=client.client_id,
        issuer=metadata["issuer"], options={"require": ["exp", "iat", "sub", "auth_time"]})


@pytest.mark.parametrize("public", [False, True], ids=["confidential", "public"])
def test_sign_in_refresh_userinfo_and_logout(serve, app, alice, public):
    server = serve()
    client = register(app, public=public, post_logout_redirect_uris=(AFTER_LOGOUT,))
    metadata = discover(server)
    rp, browser = relying_party(client), requests.Session()

    token, nonce, callback = sign_in(server, metadata, rp, browser)
    assert token["token_type"].lower() == "bearer"
    assert {"access_token", "refresh_token", "id_token"} <= token.keys()
    claims = verify_id_token(metadata, client, token["id_token"])
    assert claims["sub"] == alice and claims["nonce"] == nonce
    assert claims["at_hash"] == at_hash(token["access_token"])
    assert jwt.get_unverified_header(token["id_token"])["kid"]

    info = rp.get(metadata["userinfo_endpoint"], timeout=TIMEOUT)
    assert info.status_code == 200
    assert info.json() == {"sub": alice, "name": "Alice", "email": "alice@example.com",
                           "email_verified": False}

    refreshed = rp.refresh_token(metadata["token_endpoint"])
    again = verify_id_token(metadata, client, refreshed["id_token"])
    assert (again["sub"], again["auth_time"]) == (claims["sub"], claims["auth_time"])
    assert "nonce" not in again
    assert refreshed["refresh_token"] != token["refresh_token"]

    logout = browser.get(metadata["end_session_endpoint"], allow_redirects=False,
                         timeout=TIMEOUT, params={"id_token_hint": token["id_token"],
                                                  "post_logout_redirect_uri": AFTER_LOGOUT,
                                                  "state": "bye"})
    assert logout.status_code == 303
    assert logout.headers["Location"] == f"{AFTER_LOGOUT}?state=bye"
    silent, _ = rp.create_authorization_url(metadata["authorization_endpoint"], prompt="none",
                                            code_verifier=secrets.token_urlsafe(48))
    answer = browser.get(silent, allow_redirects=False, timeout=TIMEOUT).headers["Location"]
    assert parse_qs(urlsplit(answer).query)["error"] == ["login_required"]

    assert_not_logged(server, code=parse_qs(urlsplit(callback).query)["code"][0],
                      client_secret=client.secret or "", access_token=token["access_token"],
                      refresh_token=token["refresh_token"], id_token=token["id_token"],
                      refreshed=refreshed["refresh_token"])


def test_second_sign_in_is_silent(serve, app, alice):
    """Single sign-on: the session and the remembered consent make the next request
    answer at once, with a new code."""
    server = serve()
    client = register(app)
    metadata = discover(server)
    rp, browser = relying_party(client), requests.Session()
    sign_in(server, metadata, rp, browser)
    url, _ = rp.create_authorization_url(metadata["authorization_endpoint"],
                                         code_verifier=secrets.token_urlsafe(48))
    location = browser.get(url, allow_redirects=False, timeout=TIMEOUT).headers["Location"]
    assert location.startswith(CALLBACK) and "code=" in location


@pytest.mark.skipif(not PG_URL, reason="the race needs PostgreSQL")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_exchanges_of_one_code(serve, app, alice):
    """TE-02 under load: of many simultaneous exchanges across workers exactly one gets
    tokens; the others are a second use, so the winner's tokens are revoked too."""
    server = serve(workers=4)
    client = register(app)
    metadata = discover(server)
    for round_ in range(3):
        rp, browser = relying_party(client), requests.Session()
        verifier = secrets.token_urlsafe(48)
        url, _ = rp.create_authorization_url(metadata["authorization_endpoint"],
                                             code_verifier=verifier)
        first = browser.get(url, allow_redirects=False, timeout=TIMEOUT)
        callback = follow(browser, server.url, first.headers["Location"], CALLBACK)
        code = parse_qs(urlsplit(callback).query)["code"][0]

        def exchange(http: requests.Session) -> tuple[int, dict]:
            response = http.post(metadata["token_endpoint"], timeout=TIMEOUT,
                                 auth=(client.client_id, client.secret),
                                 data={"grant_type": "authorization_code", "code": code,
                                       "redirect_uri": CALLBACK, "code_verifier": verifier})
            return response.status_code, response.json()

        answers = concurrently(10, exchange)
        statuses = Counter(status for status, _ in answers)
        assert statuses == {200: 1, 400: 9}, f"round {round_}: {statuses}"
        assert {body["error"] for status, body in answers if status == 400} == {"invalid_grant"}
        winner = next(body for status, body in answers if status == 200)
        info = requests.get(metadata["userinfo_endpoint"], timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {winner['access_token']}"})
        assert info.status_code == 401, f"round {round_}: the winner's token still works"
