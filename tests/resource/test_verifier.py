"""TokenVerifier: discovery, the key cache and its Cache-Control, algorithm pinning."""

from __future__ import annotations

import pytest

from authserver.resource import (
    ExpiredToken,
    InsufficientScope,
    InvalidToken,
    IssuerUnavailable,
    TokenVerifier,
)
from authserver.resource.http import max_age

from .conftest import AUDIENCE, Signer, StubIssuer, resource_app


def test_every_algorithm_verifies_with_its_own_key(issuer: StubIssuer, verifier, rs256: Signer,
                                                   es256: Signer, eddsa: Signer) -> None:
    issuer.publish(rs256, es256, eddsa)
    for signer in (rs256, es256, eddsa):
        token = verifier.verify(signer.token(sub=signer.alg), ["orders:read"])
        assert token.subject == signer.alg
        assert token.client_id == "spa"
        assert token.scopes == {"openid", "orders:read"}


def test_the_allowlist_pins_algorithms(issuer: StubIssuer, clock, rs256: Signer,
                                       es256: Signer) -> None:
    issuer.publish(rs256, es256)
    only_es256 = TokenVerifier(issuer.url, AUDIENCE, algorithms=["ES256"], clock=clock)
    assert only_es256.verify(es256.token()).subject == "user-1"
    with pytest.raises(InvalidToken, match="algorithm"):
        only_es256.verify(rs256.token())


@pytest.mark.parametrize("algorithms", [["none"], ["HS256"], ["RS256", "HS512"], ["PS256"]])
def test_unsafe_algorithms_cannot_be_configured(issuer: StubIssuer,
                                                algorithms: list[str]) -> None:
    with pytest.raises(ValueError, match="not accepted"):
        TokenVerifier(issuer.url, AUDIENCE, algorithms=algorithms)


@pytest.mark.parametrize(("issuer_url", "leeway"), [
    ("http://auth.example.com", 30), ("ftp://127.0.0.1", 30), ("https://auth.example.com", 61),
    ("https://auth.example.com", -1)])
def test_unsafe_settings_are_refused(issuer_url: str, leeway: int) -> None:
    with pytest.raises(ValueError):
        TokenVerifier(issuer_url, AUDIENCE, leeway=leeway)


def test_key_set_is_cached_for_its_max_age(issuer: StubIssuer, verifier, clock,
                                           rs256: Signer) -> None:
    issuer.cache_control = "public, max-age=120"
    for _ in range(5):
        verifier.verify(rs256.token())
    clock.now += 119
    verifier.verify(rs256.token())
    assert issuer.paths() == ["/.well-known/oauth-authorization-server", "/jwks"]
    clock.now += 1
    verifier.verify(rs256.token())
    assert issuer.paths().count("/jwks") == 2
    assert issuer.paths().count("/.well-known/oauth-authorization-server") == 1


def test_a_new_key_is_picked_up_when_the_cache_expires(issuer: StubIssuer, verifier, clock,
                                                       rs256: Signer, es256: Signer) -> None:
    """What rotation relies on: the issuer publishes the next key a max-age before it signs."""
    issuer.cache_control = "max-age=60"
    verifier.verify(rs256.token())
    issuer.publish(rs256, es256)
    clock.now += 60
    verifier.verify(es256.token(iat=clock.now, exp=clock.now + 300))
    assert issuer.paths().count("/jwks") == 2


def test_an_unknown_kid_refetches_at_once(issuer: StubIssuer, verifier, clock, rs256: Signer,
                                          es256: Signer) -> None:
    """For issuers that sign with a key before caches have seen it: one refetch, if the last
    fetch is older than refetch_interval."""
    verifier.verify(rs256.token())
    issuer.publish(rs256, es256)
    with pytest.raises(InvalidToken, match="unknown signing key"):
        verifier.verify(es256.token())  # fetched 0 s ago: no refetch yet
    clock.now += 10
    assert verifier.verify(es256.token()).subject == "user-1"
    assert issuer.paths().count("/jwks") == 2


@pytest.mark.parametrize(("header", "seconds"), [
    ("public, max-age=600", 600), ("max-age=0", 0), ("no-store", 0), ("no-cache, max-age=60", 0),
    ("public", None), (None, None), ('max-age="30"', 30), ("max-age=abc", None)])
def test_cache_control_is_read(header: str | None, seconds: int | None) -> None:
    assert max_age(header) == seconds


def test_without_cache_control_the_keys_are_kept_five_minutes(issuer: StubIssuer, verifier,
                                                              clock, rs256: Signer) -> None:
    issuer.cache_control = None
    verifier.verify(rs256.token())
    clock.now += 299
    verifier.verify(rs256.token())
    assert issuer.paths().count("/jwks") == 1


def test_openid_configuration_is_the_fallback(issuer: StubIssuer, verifier,
                                              rs256: Signer) -> None:
    issuer.metadata_paths = ("/.well-known/openid-configuration",)
    assert verifier.verify(rs256.token()).subject == "user-1"
    assert issuer.paths()[:2] == ["/.well-known/oauth-authorization-server",
                                  "/.well-known/openid-configuration"]


def test_metadata_for_another_issuer_is_refused(issuer: StubIssuer, rs256: Signer,
                                                clock) -> None:
    """RFC 8414 §3.3: the issuer in the metadata must be the one configured."""
    impostor = TokenVerifier(issuer.url + "/tenant", AUDIENCE, clock=clock)
    issuer.metadata_paths = ("/.well-known/oauth-authorization-server/tenant",)
    with pytest.raises(IssuerUnavailable, match="not of"):
        impostor.verify(rs256.token())


def test_an_unreachable_issuer_is_503_not_401(issuer: StubIssuer, verifier, clock,
                                              rs256: Signer) -> None:
    issuer.down = True
    api = resource_app(verifier).test_client()
    response = api.get("/orders", headers={"Authorization": f"Bearer {rs256.token()}"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "WWW-Authenticate" not in response.headers
    asked = len(issuer.requests)
    api.get("/orders", headers={"Authorization": f"Bearer {rs256.token()}"})
    assert len(issuer.requests) == asked  # no retry storm: wait a few seconds
    issuer.down = False
    clock.now += 5
    response = api.get("/orders", headers={"Authorization": f"Bearer {rs256.token()}"})
    assert response.status_code == 200, response.json


def test_cached_keys_outlive_an_issuer_outage(issuer: StubIssuer, verifier, clock,
                                              rs256: Signer) -> None:
    verifier.verify(rs256.token())
    issuer.down = True
    clock.now += 3600
    assert verifier.verify(rs256.token(iat=clock.now, exp=clock.now + 60)).subject == "user-1"


def test_unusable_published_keys_are_ignored(issuer: StubIssuer, verifier, rs256: Signer,
                                             es256: Signer, eddsa: Signer) -> None:
    """oct keys (HMAC confusion), keys for encryption, without kid, a kid published twice,
    or an alg that does not fit the key never verify anything."""
    es_jwk = es256.public_jwk()
    issuer.jwks = {"keys": [
        rs256.public_jwk(),
        {"kty": "oct", "k": "c2VjcmV0", "kid": "mac", "alg": "HS256"},
        es_jwk | {"use": "enc"},
        {k: v for k, v in eddsa.public_jwk().items() if k != "kid"},
        es_jwk | {"kid": "twice"}, es_jwk | {"kid": "twice"},
        es_jwk | {"kid": "lying", "alg": "RS256"},
        "not a key", {"kty": "RSA", "kid": "broken", "n": "AQAB"},
    ]}
    assert verifier.verify(rs256.token()).subject == "user-1"
    for kid in ("mac", es256.kid, "twice", "lying", "broken"):
        with pytest.raises(InvalidToken):
            verifier.verify(es256.token(header={"kid": kid}))


def test_errors_carry_their_rfc_6750_answer(verifier, rs256: Signer) -> None:
    with pytest.raises(ExpiredToken) as expired:
        verifier.verify(rs256.token(exp=1))
    assert (expired.value.status, expired.value.error) == (401, "invalid_token")
    with pytest.raises(InsufficientScope) as scope:
        verifier.verify(rs256.token(), ["admin"])
    assert (scope.value.status, scope.value.error, scope.value.required) == (
        403, "insufficient_scope", ("admin",))
