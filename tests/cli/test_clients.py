"""`authserver client ...`: what a registration may combine, the secret shown once, delete."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, func, select

from authserver.clients import ACCOUNT_CLIENT_ID
from authserver.crypto import digest
from authserver.models import RefreshToken, TokenFamily
from tests.conftest import backends

from .conftest import Cli, login, printed, refresh


def test_public_first_party_client(initialized: Cli) -> None:
    created = initialized.json("client", "create", "--name", "spa", "--public", "--first-party",
                               "--cors-origin", "https://app.example.com", "--refresh-cookie")
    assert created["public"] is True and created["first_party"] is True
    assert created["token_endpoint_auth_method"] == "none"
    assert created["grant_types"] == ["password", "refresh_token"]
    assert created["cors_origins"] == ["https://app.example.com"]
    assert created["refresh_cookie"] is True
    assert "client_secret" not in created
    assert created["scope"] == "openid profile email"


def test_client_credentials_secret_is_shown_once(initialized: Cli, served) -> None:
    created = initialized.json("client", "create", "--name", "machine",
                               "--grant-type", "client_credentials", "--scope", "profile")
    secret = created["client_secret"]
    assert len(secret) >= 43 and created["public"] is False
    assert created["token_endpoint_auth_method"] == "client_secret_basic"

    response = served.post("/token", data={"grant_type": "client_credentials"},
                           auth=(created["client_id"], secret))
    assert response.status_code == 200, response.json

    listing = initialized.ok("client", "list", "--json").stdout
    assert created["client_id"] in listing
    assert secret not in listing and digest(secret) not in listing
    (listed,) = user_clients(json.loads(listing))
    assert not {"client_secret", "secret_digest"} & set(listed)
    text = initialized.ok("client", "list").output
    assert created["client_id"] in text and secret not in text


def test_human_output_shows_the_secret_once_with_a_warning(initialized: Cli) -> None:
    output = initialized.ok("client", "create", "--name", "machine").output
    assert printed(output, "client_id")
    assert len(printed(output, "client_secret")) >= 43
    assert "only now" in output


@pytest.mark.parametrize(("args", "words"), [
    (("--grant-type", "password"), ("password grant", "--first-party")),
    (("--public", "--grant-type", "client_credentials"), ("client_credentials", "--public")),
    (("--refresh-cookie",), ("refresh-cookie", "--first-party")),
    (("--public", "--first-party", "--scope", "openid admin"), ("unknown scope", "admin")),
    (("--cors-origin", "https://app.example.com/path"), ("not an origin", "/path")),
    (("--cors-origin", "app.example.com"), ("not an origin", "app.example.com")),
    (("--public",), ("--grant-type",)),
    (("--public", "--first-party", "--auth-method", "client_secret_basic"),
     ("client_secret_basic", "public")),
    (("--auth-method", "none"), ("none", "confidential")),
    (("--redirect-uri", "/callback"), ("redirect URI", "/callback")),
    (("--redirect-uri", "https://app.example.com/cb#frag"), ("redirect URI",)),
    (("--grant-type", "implicit"), ("implicit",)),
])
def test_invalid_combinations_are_refused_naming_the_problem(
        initialized: Cli, args: tuple[str, ...], words: tuple[str, ...]) -> None:
    initialized.fails("client", "create", "--name", "bad", *args, words=words)
    assert user_clients(initialized.json("client", "list")) == []


def user_clients(listing: dict) -> list[dict]:
    """The clients an operator created: `init` adds the account page's own."""
    return [c for c in listing["clients"] if c["client_id"] != ACCOUNT_CLIENT_ID]


def count(database_url: str, model) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


@backends
def test_delete_removes_the_client_and_its_logins(initialized: Cli, served, make_user,
                                                  spa_id: str, database_url: str) -> None:
    make_user()
    other = initialized.json("client", "create", "--name", "other", "--public",
                             "--first-party")["client_id"]
    mine, kept = login(served, spa_id), login(served, other)
    assert mine.status_code == kept.status_code == 200

    output = initialized.ok("client", "delete", spa_id).output
    assert spa_id in output
    assert [c["client_id"] for c in user_clients(initialized.json("client", "list"))] == [other]
    assert refresh(served, spa_id, mine.json["refresh_token"]).status_code in (400, 401)
    assert login(served, spa_id).status_code in (400, 401)
    assert count(database_url, TokenFamily) == 1  # only the other client's login is left
    assert count(database_url, RefreshToken) == 1
    assert refresh(served, other, kept.json["refresh_token"]).status_code == 200


def test_delete_unknown_client_is_refused(initialized: Cli) -> None:
    initialized.fails("client", "delete", "no-such-client", words=("no client", "no-such-client"))
