"""`authserver user ...`: create, list, disable/enable, set-password."""

from __future__ import annotations

from tests.conftest import PASSWORD, backends

from .conftest import Cli, login, refresh

NEW_PASSWORD = "a brand new passphrase"


def test_create_prints_one_json_object(initialized: Cli) -> None:
    created = initialized.json("user", "create", "Alice@Example.COM", "--name", "Alice",
                               "--password-stdin", input=PASSWORD + "\n")
    assert created["email"] == "alice@example.com"
    assert created["name"] == "Alice"
    assert created["disabled"] is False
    assert len(created["sub"]) == 36 and "@" not in created["sub"]
    assert PASSWORD not in str(created) and "password" not in str(created)


def test_create_without_json_says_who_was_created(initialized: Cli) -> None:
    output = initialized.ok("user", "create", "bob@example.com", "--password-stdin",
                            input=PASSWORD + "\n").output
    assert "bob@example.com" in output and PASSWORD not in output


@backends
def test_duplicate_email_is_refused(initialized: Cli, make_user) -> None:
    make_user("alice@example.com")
    initialized.fails("user", "create", "ALICE@example.com", "--password-stdin",
                      input=PASSWORD + "\n", words=("alice@example.com", "already exists"))
    assert len(initialized.json("user", "list")["users"]) == 1


def test_short_password_is_refused(initialized: Cli) -> None:
    initialized.fails("user", "create", "alice@example.com", "--password-stdin",
                      input="short\n", words=("password", "at least 8"))
    assert initialized.json("user", "list")["users"] == []


def test_not_an_email_is_refused(initialized: Cli) -> None:
    initialized.fails("user", "create", "alice", "--password-stdin", input=PASSWORD + "\n",
                      words=("not an email address",))


def test_no_terminal_and_no_password_stdin_is_refused(initialized: Cli) -> None:
    initialized.fails("user", "create", "alice@example.com", words=("--password-stdin",))


def test_list_json(initialized: Cli, make_user) -> None:
    alice = make_user("alice@example.com")
    bob = make_user("bob@example.com")
    listed = initialized.json("user", "list")
    assert listed == {"users": [alice, bob]}
    text = initialized.ok("user", "list").output
    assert "alice@example.com" in text and "bob@example.com" in text


@backends
def test_disable_ends_every_login_and_enable_restores_login(initialized: Cli, served, make_user,
                                                            spa_id: str) -> None:
    make_user()
    first = login(served, spa_id)
    second = login(served, spa_id)
    assert first.status_code == second.status_code == 200

    output = initialized.ok("user", "disable", "alice@example.com").output
    assert "disabled" in output and "revoked 2" in output
    assert initialized.json("user", "list")["users"][0]["disabled"] is True
    for response in (first, second):
        refused = refresh(served, spa_id, response.json["refresh_token"])
        assert refused.status_code == 400 and refused.json["error"] == "invalid_grant"
    assert login(served, spa_id).status_code != 200

    initialized.ok("user", "enable", "alice@example.com")
    assert initialized.json("user", "list")["users"][0]["disabled"] is False
    again = login(served, spa_id)
    assert again.status_code == 200, again.json
    assert refresh(served, spa_id, again.json["refresh_token"]).status_code == 200
    # enabling does not bring the revoked logins back
    assert refresh(served, spa_id, first.json["refresh_token"]).status_code == 400


@backends
def test_set_password_replaces_it_and_ends_every_login(initialized: Cli, served, make_user,
                                                       spa_id: str) -> None:
    make_user()
    before = login(served, spa_id)
    assert before.status_code == 200

    output = initialized.ok("user", "set-password", "alice@example.com", "--password-stdin",
                            input=NEW_PASSWORD + "\n").output
    assert "revoked 1" in output and NEW_PASSWORD not in output
    refused = refresh(served, spa_id, before.json["refresh_token"])
    assert refused.status_code == 400 and refused.json["error"] == "invalid_grant"
    assert login(served, spa_id).status_code != 200
    assert login(served, spa_id, password=NEW_PASSWORD).status_code == 200


def test_set_password_refuses_a_short_one_and_changes_nothing(initialized: Cli, served,
                                                              make_user, spa_id: str) -> None:
    make_user()
    before = login(served, spa_id)
    initialized.fails("user", "set-password", "alice@example.com", "--password-stdin",
                      input="short\n", words=("at least 8",))
    assert login(served, spa_id).status_code == 200
    assert refresh(served, spa_id, before.json["refresh_token"]).status_code == 200


def test_unknown_user_is_refused_by_every_command(initialized: Cli) -> None:
    for command in ("disable", "enable"):
        initialized.fails("user", command, "nobody@example.com",
                          words=("no user", "nobody@example.com"))
    initialized.fails("user", "set-password", "nobody@example.com", "--password-stdin",
                      input=NEW_PASSWORD + "\n", words=("no user",))
