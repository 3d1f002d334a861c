"""The CLI side of the code flow: client registration (redirect URIs, PKCE, logout URIs),
users' profile claims, and consents (list, revoke)."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, Registered, backends
from tests.support.authorize import CodeFlow

from .conftest import Cli

CALLBACK = "https://rp.example.com/callback"


def create_rp(cli: Cli, *extra: str) -> dict:
    return cli.json("client", "create", "--name", "Relying Party", "--redirect-uri", CALLBACK,
                    *extra)


def test_third_party_client_defaults_to_the_code_flow(initialized: Cli) -> None:
    created = create_rp(initialized, "--post-logout-redirect-uri", "https://rp.example.com/bye")
    assert created["grant_types"] == ["authorization_code", "refresh_token"]
    assert created["first_party"] is False and created["require_pkce"] is True
    assert created["redirect_uris"] == [CALLBACK]
    assert created["post_logout_redirect_uris"] == ["https://rp.example.com/bye"]
    assert created["client_secret"]


def test_no_pkce_for_a_confidential_client(initialized: Cli) -> None:
    assert create_rp(initialized, "--no-pkce")["require_pkce"] is False
    initialized.fails("client", "create", "--name", "app", "--public", "--redirect-uri",
                      "com.example.app:/cb", "--no-pkce", words=("PKCE",))


def test_native_app(initialized: Cli) -> None:
    created = initialized.json("client", "create", "--name", "app", "--public",
                               "--redirect-uri", "http://127.0.0.1/cb",
                               "--redirect-uri", "com.example.app:/cb",
                               "--scope", "openid offline_access")
    assert created["public"] is True and created["require_pkce"] is True
    assert created["scope"] == "openid"  # offline_access comes with refresh_token


@pytest.mark.parametrize("args, words", [
    (("--redirect-uri", "http://rp.example.com/cb"), ("loopback",)),
    (("--grant-type", "authorization_code"), ("--redirect-uri",)),
    (("--redirect-uri", "https://rp.example.com/a b"), ("redirect URI",)),
])
def test_bad_code_flow_registrations(initialized: Cli, args, words) -> None:
    initialized.fails("client", "create", "--name", "rp", *args, words=words)


def test_user_profile_claims(initialized: Cli) -> None:
    created = initialized.json("user", "create", "alice@example.com", "--email-verified",
                               "--password-stdin", input=PASSWORD + "\n")
    assert created["email_verified"] is True and created["name"] is None
    changed = initialized.json("user", "set", "alice@example.com", "--name", "Alice A.",
                               "--email-unverified")
    assert changed["name"] == "Alice A." and changed["email_verified"] is False
    assert initialized.json("user", "set", "alice@example.com", "--name", "")["name"] is None
    initialized.fails("user", "set", "alice@example.com", words=("--name",))
    initialized.fails("user", "set", "bob@example.com", "--name", "B", words=("no user",))
    initialized.fails("user", "set", "alice@example.com", "--name", "x" * 201, words=("200",))


@backends
def test_consent_list_and_revoke(initialized: Cli, served, make_user) -> None:
    """Revoking a consent also revokes the client's refresh and access tokens for the
    user, and the next sign-in asks again."""
    make_user()
    created = create_rp(initialized)
    flow = CodeFlow(served, Registered(created["client_id"], created["client_secret"]))
    token = flow.exchange(flow.sign_in(scope="openid offline_access")["code"]).get_json()

    listed = initialized.json("consent", "list", "alice@example.com")["consents"]
    assert [(c["client_id"], c["client_name"], c["scope"]) for c in listed] == \
        [(created["client_id"], "Relying Party", "offline_access openid")]

    output = initialized.ok("consent", "revoke", "alice@example.com",
                            created["client_id"]).output
    assert "revoked 1 login(s)" in output
    assert initialized.json("consent", "list", "alice@example.com")["consents"] == []
    refreshed = served.post("/token", data={"grant_type": "refresh_token",
                                            "refresh_token": token["refresh_token"]},
                            auth=(created["client_id"], created["client_secret"]))
    assert refreshed.json["error"] == "invalid_grant"
    userinfo = served.get("/userinfo",
                          headers={"Authorization": f"Bearer {token['access_token']}"})
    assert userinfo.status_code == 401
    assert flow.authorize(scope="openid").headers["Location"].startswith("/consent")


def test_consent_commands_name_what_is_unknown(initialized: Cli, make_user) -> None:
    initialized.fails("consent", "list", "bob@example.com", words=("no user",))
    make_user()
    initialized.fails("consent", "revoke", "alice@example.com", "nope", words=("no client",))
