"""The audit trail (issue 6 point 6): one JSON line per security event on the
`authserver.audit` logger, with UTC time, request id and client IP, and never a secret."""

from __future__ import annotations

import re

import pytest

from authserver.clock import clock
from authserver.keys import KeyPolicy
from authserver.keys.rotation import create_next, prune, retire
from tests.conftest import PASSWORD
from tests.rfc7009.helpers import password_login, revoke

from .conftest import event_names

REQUEST_ID = re.compile(r"[0-9a-f]{16}")


@pytest.mark.settings(AUTHSERVER_LOCKOUT_THRESHOLD=2, AUTHSERVER_RATE_LIMIT_PER_ACCOUNT="3/minute")
def test_every_security_event_is_audited(app, http, tokens, spa, machine, alice, frozen_clock,
                                         audit_events):
    session = password_login(http, spa)
    rotated = tokens.refresh(spa, session["refresh_token"]).get_json()
    assert revoke(http, spa, rotated["access_token"]).status_code == 200
    frozen_clock.offset += 3600
    tokens.refresh(spa, session["refresh_token"])           # reuse: the family is revoked
    tokens.client_credentials(machine)
    tokens.login(spa, password="wrong 1")
    tokens.login(spa, password="wrong 2")                   # locks the account
    tokens.login(spa, password="wrong 3")                   # over the per-account limit

    events = audit_events()
    names = event_names(events)
    for expected in ("login.succeeded", "token.issued", "refresh.rotated",
                     "refresh.reuse_detected", "token.revoked", "login.failed", "login.locked",
                     "rate_limit.exceeded"):
        assert expected in names, (expected, names)
    assert {e["grant"] for e in events if e["event"] == "token.issued"} \
        == {"password", "client_credentials"}
    for event in events:
        assert event["ts"].endswith("+00:00"), event
        assert REQUEST_ID.fullmatch(event["request_id"]), event
        assert event["ip"] == "127.0.0.1", event
    text = str(events)
    for secret in (PASSWORD, "wrong 1", machine.secret, session["refresh_token"],
                   session["access_token"], rotated["refresh_token"], "alice@example.com"):
        assert secret not in text


def test_key_lifecycle_is_audited(app, keys_dir, audit_events):
    policy = KeyPolicy.from_config(app.config)
    now = clock.now()
    with app.app_context():
        key = create_next(keys_dir, now, policy)
        retire(keys_dir, key.kid, now, policy, strict_mode=False)
        prune(keys_dir, now + 10**7, policy, strict_mode=False)

    events = {e["event"]: e for e in audit_events()}
    assert events["key.rotated"]["kid"] == key.kid
    assert events["key.retired"]["kid"] == key.kid
    assert events["key.pruned"]["kid"] == key.kid
    assert "request_id" not in events["key.rotated"]  # not a request: no request fields
