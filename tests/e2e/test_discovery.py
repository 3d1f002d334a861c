"""Discovery documents as a relying party fetches them from the running server."""

from __future__ import annotations

import requests

from .helpers import TIMEOUT, frontend_session, login, unverified_claims

DOCUMENTS = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")
GRANTS = {"authorization_code", "password", "refresh_token", "client_credentials"}
#: what a client would send to hijack the URLs the server builds (RFC 9700 §4.13)
SPOOFED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
           "X-Forwarded-Proto": "https", "X-Forwarded-Port": "443",
           "Forwarded": "host=evil.example;proto=https"}


def fetch(server, path: str, headers: dict | None = None) -> requests.Response:
    return requests.get(f"{server.url}{path}", headers=headers, timeout=TIMEOUT)


def advertised_urls(metadata: dict) -> dict[str, str]:
    return {name: value for name, value in metadata.items()
            if name.endswith(("_endpoint", "_uri")) and isinstance(value, str)}


def test_metadata_documents(server, spa, alice):
    """DS-01, DS-02, DS-03: the issuer is the URL the server was started with, byte for
    byte, and the iss of issued tokens; every endpoint lives under it and answers; exactly
    the grants we implement are listed."""
    token = login(frontend_session(spa), server)
    iss = unverified_claims(token["access_token"])["iss"]
    documents = []
    for path in DOCUMENTS:
        response = fetch(server, path)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith("application/json"), path
        metadata = response.json()
        documents.append(metadata)

        assert metadata["issuer"] == server.url == iss, path
        urls = advertised_urls(metadata)
        assert {"token_endpoint", "jwks_uri", "userinfo_endpoint"} <= urls.keys()
        for name, url in urls.items():
            assert url.startswith(metadata["issuer"] + "/"), (path, name)
        assert set(metadata["grant_types_supported"]) == GRANTS, path
        assert len(metadata["grant_types_supported"]) == len(GRANTS), path
        assert "none" in metadata["token_endpoint_auth_methods_supported"], path
        assert "client_secret_basic" in metadata["token_endpoint_auth_methods_supported"]
        assert_code_flow_metadata(metadata)
    assert documents[0] == documents[1]  # RFC 8414 and OIDC Discovery: the same metadata

    for name, url in advertised_urls(documents[0]).items():
        statuses = [requests.get(url, timeout=TIMEOUT).status_code,
                    requests.post(url, timeout=TIMEOUT).status_code]
        assert 404 not in statuses, f"{name} {url} is advertised but missing: {statuses}"
        assert all(status < 500 for status in statuses), f"{name} {url}: {statuses}"


def assert_code_flow_metadata(metadata: dict) -> None:
    """DS-01, DS-03: what a relying party needs for the code flow, and only what works."""
    assert {"authorization_endpoint", "end_session_endpoint"} <= advertised_urls(metadata).keys()
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["response_modes_supported"] == ["query"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert metadata["subject_types_supported"] == ["public"]
    assert "RS256" in metadata["id_token_signing_alg_values_supported"]
    assert "none" not in metadata["id_token_signing_alg_values_supported"]
    assert {"openid", "profile", "email", "offline_access"} <= set(metadata["scopes_supported"])
    assert {"sub", "name", "email", "email_verified", "auth_time", "nonce"} <= set(
        metadata["claims_supported"])
    assert {"none", "login", "consent"} <= set(metadata["prompt_values_supported"])
    assert metadata["request_uri_parameter_supported"] is False


def test_spoofed_host_changes_nothing(server, spa, alice):
    """DS-04: Host and X-Forwarded-* headers change neither the metadata nor the iss."""
    for path in DOCUMENTS:
        honest = fetch(server, path)
        spoofed = fetch(server, path, SPOOFED)
        assert spoofed.status_code == 200, path
        assert spoofed.content == honest.content, path
        assert "evil.example" not in spoofed.text
        assert spoofed.headers.get("ETag") == honest.headers.get("ETag")

    session = frontend_session(spa)
    session.headers.update(SPOOFED)
    token = login(session, server)
    claims = unverified_claims(token["access_token"])
    assert claims["iss"] == server.url
    assert "evil.example" not in str(claims)
    refreshed = unverified_claims(session.refresh_token(f"{server.url}/token")["access_token"])
    assert refreshed["iss"] == server.url
