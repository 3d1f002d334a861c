"""What the database and the logs keep: digests and identifiers, never a secret (ST-01..ST-05)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re

import pytest
from flask import Flask

from authserver.extensions import db
from tests.conftest import PASSWORD, Registered, backends
from tests.storage.dump import dump_tables

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
PHC_ARGON2ID = re.compile(r"\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)")


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def b64_length(unpadded: str) -> int:
    return len(base64.b64decode(unpadded + "=" * (-len(unpadded) % 4)))


@pytest.fixture
def portal(make_client) -> Registered:
    """A confidential first-party client, so that a login also carries a client secret."""
    return make_client("portal", first_party=True)


def run_flows(tokens, spa: Registered, portal: Registered, machine: Registered,
              clock) -> dict[str, list[str]]:
    """Logins, a refresh, a replayed refresh token, client_credentials and some failures.

    Returns every secret value that crossed the wire, by kind.
    """
    public_login = tokens.login(spa)
    basic_login = tokens.post({"grant_type": "password", "username": "alice@example.com",
                               "password": PASSWORD}, auth=(portal.client_id, portal.secret))
    first_rt = public_login.get_json()["refresh_token"]
    refreshed = tokens.refresh(spa, first_rt)
    machine_token = tokens.client_credentials(machine)
    failures = [
        tokens.login(spa, password="hunter2-wrong-password"),
        tokens.login(spa, username="nobody@example.com", password="hunter3-unknown-user"),
        tokens.post({"grant_type": "client_credentials"},
                    auth=(machine.client_id, "wrong-client-secret-value")),
    ]
    clock.offset += 3600  # past the grace window: a replay is reuse
    replay = tokens.refresh(spa, first_rt)

    for response in (public_login, basic_login, refreshed, machine_token):
        assert response.status_code == 200, response.get_json()
    assert [r.status_code for r in failures] == [400, 400, 401]
    assert replay.status_code == 400
    issued = [r.get_json() for r in (public_login, basic_login, refreshed, machine_token)]
    access_tokens = [body["access_token"] for body in issued]
    return {
        "password": [PASSWORD, "hunter2-wrong-password", "hunter3-unknown-user"],
        "client secret": [portal.secret, machine.secret, "wrong-client-secret-value"],
        "refresh token": [body["refresh_token"] for body in issued if "refresh_token" in body],
        "access token": access_tokens,
        "access token signature": [token.rsplit(".", 1)[1] for token in access_tokens],
        "authorization header": [
            base64.b64encode(f"{portal.client_id}:{portal.secret}".encode()).decode(),
            base64.b64encode(f"{machine.client_id}:{machine.secret}".encode()).decode()],
    }


@pytest.fixture
def flows(tokens, spa, portal, machine, alice, frozen_clock) -> dict[str, list[str]]:
    return run_flows(tokens, spa, portal, machine, frozen_clock)


@backends
def test_no_secret_is_stored_in_clear_ST01(app: Flask, flows):
    dump = dump_tables(app)
    text = repr(dump)

    assert {"client", "user", "token_family", "refresh_token"} <= set(dump)
    assert len(dump["refresh_token"]) == 3 and len(dump["token_family"]) == 2
    assert len(flows["refresh token"]) == 3
    for kind, values in flows.items():
        for value in values:
            assert value not in text, f"a {kind} is stored in clear"


@backends
def test_refresh_tokens_are_stored_as_sha256_digests_ST01(app: Flask, flows):
    digests = {row.token_digest for row in _rows(app, "refresh_token")}

    assert all(SHA256_HEX.fullmatch(value) for value in digests)
    assert {sha256(token) for token in flows["refresh token"]} <= digests


@backends
def test_client_secrets_are_stored_as_sha256_digests_ST02(app: Flask, flows, spa, portal, machine):
    stored = {row.client_id: row.secret_digest for row in _rows(app, "client")}

    assert stored[spa.client_id] is None
    for client in (portal, machine):
        assert SHA256_HEX.fullmatch(stored[client.client_id])
        assert stored[client.client_id] == sha256(client.secret)


@backends
def test_passwords_are_stored_as_argon2id_phc_strings_ST03(app: Flask, flows, make_user):
    make_user("bob@example.com", password="another password entirely")
    hashes = [row.password_hash for row in _rows(app, "user")]

    assert len(hashes) == 2 and len(set(hashes)) == 2
    for value in hashes:
        match = PHC_ARGON2ID.fullmatch(value)
        assert match, value
        salt, tag = match.groups()
        assert b64_length(salt) == 16 and b64_length(tag) == 32


@pytest.fixture
def captured_logs(settings: dict, caplog: pytest.LogCaptureFixture):
    """Every record at DEBUG from every logger, ours included (it does not propagate to root)."""
    settings["AUTHSERVER_LOG_LEVEL"] = "DEBUG"
    caplog.set_level(logging.DEBUG)
    ours = logging.getLogger("authserver")
    ours.addHandler(caplog.handler)
    yield caplog
    ours.removeHandler(caplog.handler)


def _record_text(record: logging.LogRecord) -> str:
    formatted = logging.Formatter("%(message)s").format(record)
    return "\n".join([formatted, repr(record.args), repr(record.msg), record.exc_text or ""])


@backends
def test_no_password_secret_or_token_is_logged_ST05(
        captured_logs, tokens, spa, portal, machine, alice, frozen_clock):
    flows = run_flows(tokens, spa, portal, machine, frozen_clock)
    records = captured_logs.records
    text = "\n".join(_record_text(record) for record in records)

    for kind, values in flows.items():
        for value in values:
            assert value not in text, f"a {kind} was logged"
    events = [json.loads(r.getMessage()) for r in records if r.name == "authserver.audit"]
    names = {event["event"] for event in events}
    assert {"login.succeeded", "login.failed", "refresh.rotated", "refresh.reuse_detected",
            "token.issued"} <= names, names
    assert all(event["ts"].endswith("+00:00") for event in events)  # UTC timestamps


def _rows(app: Flask, table: str) -> list:
    with app.app_context():
        return list(db.session.execute(db.text(f'SELECT * FROM "{table}"')))
