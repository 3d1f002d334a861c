"""POST /introspect (RFC 7662): authenticated resource servers learn a live token's claims;
everything else is exactly {"active": false} (IN-01..IN-04, RF-07, point 6)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from authserver.clients import delete_client, find_client
from authserver.clock import clock
from authserver.extensions import db
from authserver.users import find_user, set_disabled, set_password
from tests.conftest import backends
from tests.rfc6749.checks import assert_oauth_error, basic_auth
from tests.rfc7009.helpers import password_login, refresh, register, revoke, userinfo

from .helpers import assert_active, assert_inactive, introspect

ACCESS_TOKEN_MEMBERS = {"scope", "client_id", "sub", "exp", "iat", "iss", "aud", "token_type",
                        "jti"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture(scope="module")
def attacker_key() -> RSAKey:
    return RSAKey.generate_key(2048, private=True)


@pytest.fixture
def sign(app):
    """Sign any claims with the server's own active key."""
    keyring = app.extensions["authserver.keys"]
    return lambda claims, typ="at+jwt": keyring.sign(claims, typ, clock.now())


def test_introspection_requires_client_authentication(http, spa, resource_server, session):
    """IN-01: no client, a public client, a wrong secret: 401 invalid_client."""
    token = session["access_token"]
    attempts = [
        http.post("/introspect", data={"token": token}),
        introspect(http, spa, token),
        http.post("/introspect", data={"token": token},
                  headers=basic_auth(resource_server.client_id, "wrong")),
        http.post("/introspect", data={"token": token, "client_id": resource_server.client_id}),
    ]
    for response in attempts:
        assert_oauth_error(response, 401, "invalid_client")
    assert attempts[2].headers["WWW-Authenticate"].startswith("Basic")


def test_live_access_token(http, resource_server, session):
    """IN-02: every member RFC 7662 §2.2 lists, equal to the token's own claims."""
    body = assert_active(introspect(http, resource_server, session["access_token"]))
    claims = claims_of(session["access_token"])
    assert body.keys() >= ACCESS_TOKEN_MEMBERS, body
    for name in ACCESS_TOKEN_MEMBERS - {"token_type"}:
        assert body[name] == claims[name], name
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "openid profile email"
    assert body["exp"] > clock.now() >= body["iat"]


def test_live_client_credentials_token(http, tokens, machine, resource_server):
    access_token = tokens.client_credentials(machine).get_json()["access_token"]
    body = assert_active(introspect(http, resource_server, access_token,
                                    token_type_hint="access_token"))
    assert body["sub"] == body["client_id"] == machine.client_id


def test_client_secret_post_works_too(http, app, session):
    poster = register(app, "poster api", resource_server=True, auth_method="client_secret_post")
    response = http.post("/introspect", data={"token": session["access_token"],
                                              "client_id": poster.client_id,
                                              "client_secret": poster.secret})
    assert_active(response)


def test_expired_access_token(http, resource_server, session, frozen_clock):
    frozen_clock.offset += 900
    assert_inactive(introspect(http, resource_server, session["access_token"]))


@backends
def test_access_token_revoked_by_jti(http, spa, resource_server, session):
    revoke(http, spa, session["access_token"])
    assert_inactive(introspect(http, resource_server, session["access_token"]))


@backends
def test_access_tokens_of_a_reused_family(http, spa, resource_server, session, frozen_clock):
    """Point 6: reuse revokes the family; its unexpired access tokens turn inactive."""
    rotated = refresh(http, spa, session["refresh_token"]).get_json()
    frozen_clock.offset += 11
    assert refresh(http, spa, session["refresh_token"]).status_code == 400
    for access_token in (session["access_token"], rotated["access_token"]):
        assert claims_of(access_token)["exp"] > clock.now()
        assert_inactive(introspect(http, resource_server, access_token))


def disable_user(spa) -> None:
    set_disabled(find_user("alice@example.com"), True)


def change_password(spa) -> None:
    set_password(find_user("alice@example.com"), "an entirely new password", 1024)


def delete_the_client(spa) -> None:
    delete_client(find_client(spa.client_id))


@backends
@pytest.mark.parametrize("end_logins", [disable_user, change_password, delete_the_client])
def test_access_tokens_of_logins_ended_by_an_operator(app, http, spa, resource_server, session,
                                                      end_logins):
    """RF-07: the user disabled, the password changed, the client deleted."""
    with app.app_context():
        end_logins(spa)
        db.session.commit()
    assert_inactive(introspect(http, resource_server, session["access_token"]))
    assert userinfo(http, session["access_token"]).status_code == 401


def test_tokens_signed_by_another_key(http, resource_server, session, attacker_key, app):
    """IN-03 foreign: the same claims signed by a key that is not ours, whatever its kid."""
    claims = claims_of(session["access_token"])
    our_kid = json.loads(base64.urlsafe_b64decode(
        session["access_token"].split(".")[0] + "=="))["kid"]
    for kid in ("another-server", our_kid):
        header = {"alg": "RS256", "typ": "at+jwt", "kid": kid}
        token = jwt.encode(header, claims, attacker_key)
        assert_inactive(introspect(http, resource_server, token))


@pytest.mark.parametrize("change", [{"iss": "https://other-issuer.example"},
                                    {"aud": "https://other-api.example"}])
def test_our_signature_on_another_issuers_claims(http, resource_server, session, sign, change):
    """IN-03 foreign: our key, but not a token for this issuer and audience."""
    token = sign({**claims_of(session["access_token"]), **change})
    assert_inactive(introspect(http, resource_server, token))


def segment(document: dict) -> str:
    return b64(json.dumps(document).encode())


def forgeries(access_token: str, public_pem: bytes) -> dict[str, str]:
    header, payload, signature = access_token.split(".")
    claims = claims_of(access_token)
    raised = segment({**claims, "scope": "openid admin", "exp": claims["exp"] + 9_000_000})
    hs_input = f"{segment({'alg': 'HS256', 'typ': 'at+jwt'})}.{payload}"
    mac = hmac.new(public_pem, hs_input.encode(), hashlib.sha256).digest()
    return {
        "payload-changed": f"{header}.{raised}.{signature}",
        "signature-stripped": f"{header}.{payload}.",
        "signature-flipped": f"{header}.{payload}.{signature[::-1]}",
        "alg-none": f"{segment({'alg': 'none', 'typ': 'at+jwt'})}.{payload}.",
        "hs256-public-key": f"{hs_input}.{b64(mac)}",  # algorithm confusion
    }


def test_forged_tokens(app, http, resource_server, session):
    keyring = app.extensions["authserver.keys"]
    public_pem = keyring.keys[-1].jwk.as_pem(private=False)
    for name, token in forgeries(session["access_token"], public_pem).items():
        response = introspect(http, resource_server, token)
        assert response.get_json() == {"active": False}, name
        assert_inactive(response)


def test_another_token_type_signed_by_us(http, resource_server, session, sign):
    assert_inactive(introspect(http, resource_server,
                               sign(claims_of(session["access_token"]), typ="JWT")))


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "...", "x" * 20_000, "ü" * 40,
                                   "eyJ.eyJ.eyJ", "Bearer x"],
                         ids=["word", "three-dots", "only-dots", "20k", "unicode", "eyJ",
                              "with-space"])
def test_garbage(http, resource_server, token):
    assert_inactive(introspect(http, resource_server, token))


def test_a_client_that_is_no_resource_server_learns_nothing_of_access_tokens(
        http, portal, resource_server, session, alice):
    """IN-04: not even of its own."""
    own = password_login(http, portal)
    for token in (session["access_token"], own["access_token"]):
        assert_inactive(introspect(http, portal, token))
    assert_active(introspect(http, resource_server, own["access_token"]))


def test_a_client_may_introspect_its_own_refresh_token(http, portal, alice):
    login = password_login(http, portal)
    body = assert_active(introspect(http, portal, login["refresh_token"],
                                    token_type_hint="refresh_token"))
    assert body["token_type"] == "refresh_token"
    assert body["client_id"] == portal.client_id
    assert body["sub"] == claims_of(login["access_token"])["sub"]
    assert body["scope"] == "openid profile email"
    assert body["iss"] == claims_of(login["access_token"])["iss"]
    assert body["exp"] - body["iat"] == 30 * 86_400


def test_nobody_else_may_introspect_a_refresh_token(app, http, portal, resource_server, alice):
    """IN-04: neither a resource server nor another confidential client."""
    login = password_login(http, portal)
    other = register(app, "other portal", first_party=True)
    for client in (resource_server, other):
        assert_inactive(introspect(http, client, login["refresh_token"]))


@backends
def test_spent_and_revoked_refresh_tokens(http, portal, alice):
    login = password_login(http, portal)
    rotated = refresh(http, portal, login["refresh_token"]).get_json()
    assert_inactive(introspect(http, portal, login["refresh_token"]))  # rotated: spent
    assert_active(introspect(http, portal, rotated["refresh_token"]))
    revoke(http, portal, rotated["refresh_token"])
    assert_inactive(introspect(http, portal, rotated["refresh_token"]))


def test_expired_refresh_token(http, portal, alice, frozen_clock):
    login = password_login(http, portal)
    frozen_clock.offset += 30 * 86_400
    assert_inactive(introspect(http, portal, login["refresh_token"]))


def test_only_post_and_a_token_is_required(http, resource_server):
    assert http.get("/introspect").status_code == 405
    response = http.post("/introspect", data={},
                         headers=basic_auth(resource_server.client_id, resource_server.secret))
    assert_oauth_error(response, 400, "invalid_request")


def test_client_credentials_token_dies_with_its_client(app, http):
    """A token without a family has nothing to revoke but its client: deleting the client
    ends it at /introspect at once (the test app keeps no client cache)."""
    from sqlalchemy import delete

    from authserver.clients import register_client
    from authserver.extensions import db
    from authserver.models import Client

    with app.app_context():
        machine, machine_secret = register_client(
            "job", public=False, first_party=False, grant_types=("client_credentials",),
            scope=None, server_scopes=app.config["AUTHSERVER_SCOPES"].split(), auth_method=None)
        api, api_secret = register_client(
            "api", public=False, first_party=False, grant_types=(), scope=None,
            server_scopes=app.config["AUTHSERVER_SCOPES"].split(), auth_method=None,
            resource_server=True)
        ids = (machine.client_id, api.client_id)
        db.session.commit()
    token = http.post("/token", data={"grant_type": "client_credentials"},
                      auth=(ids[0], machine_secret)).json["access_token"]
    introspect = lambda: http.post("/introspect", data={"token": token},  # noqa: E731
                                   auth=(ids[1], api_secret)).json
    assert introspect()["active"] is True
    with app.app_context():
        db.session.execute(delete(Client).where(Client.client_id == ids[0]))
        db.session.commit()
    assert introspect() == {"active": False}


@pytest.fixture
def cached_clients(settings) -> None:
    settings["AUTHSERVER_CLIENT_CACHE_SECONDS"] = 60


@backends
def test_introspection_reads_liveness_without_the_session(cached_clients, app, http, spa,
                                                          resource_server, session,
                                                          session_begins):
    """One read on a driver connection (hot_path.read_one), no session begun: then a
    revocation still shows at once."""
    from authserver.models import hot_path

    introspect(http, resource_server, session["access_token"])  # the clients now cached
    session_begins.clear()
    assert_active(introspect(http, resource_server, session["access_token"]))
    assert session_begins == []
    revoke(http, spa, session["access_token"])
    session_begins.clear()
    assert_inactive(introspect(http, resource_server, session["access_token"]))
    assert session_begins == []
    with app.test_request_context():  # nothing left open on the request's connection
        assert hot_path._current() is None


@backends
def test_liveness_joins_a_transaction_the_request_has_open(app, session):
    """A read inside an open session transaction sees its own uncommitted writes."""
    from authserver.models import RevokedAccessToken

    jti = claims_of(session["access_token"])["jti"]
    with app.test_request_context():
        assert not RevokedAccessToken.liveness(jti, None).revoked
        RevokedAccessToken.revoke(jti, clock.now() + 60)
        assert RevokedAccessToken.liveness(jti, None).revoked
        db.session.rollback()
        assert not RevokedAccessToken.liveness(jti, None).revoked
