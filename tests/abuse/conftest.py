"""Abuse-resistance fixtures: limits small enough to reach in a test, Redis when it runs,
and a count of the password hashes a request really computed."""

from __future__ import annotations

import json
import logging
import socket
import uuid
from collections.abc import Callable, Iterator

import pytest
from argon2 import PasswordHasher

from tests.rfc6749.conftest import edit_user  # noqa: F401  (a fixture)
from tests.rfc7009.conftest import session  # noqa: F401  (a fixture)

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
#: every limit off, so that each test turns on only the one it is about
NO_LIMITS = {"AUTHSERVER_RATE_LIMIT_PER_IP": "off", "AUTHSERVER_RATE_LIMIT_PER_CLIENT": "off",
             "AUTHSERVER_RATE_LIMIT_PER_ACCOUNT": "off", "AUTHSERVER_LOCKOUT_THRESHOLD": 0}


@pytest.fixture(autouse=True)
def marked_settings(request: pytest.FixtureRequest, settings: dict) -> None:
    """`@pytest.mark.settings(AUTHSERVER_X=...)`: settings of the app under test, on top of
    NO_LIMITS."""
    marker = request.node.get_closest_marker("settings")
    if marker is not None:
        settings.update({**NO_LIMITS, **marker.kwargs})


def redis_available() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_test_settings() -> dict[str, str]:
    """AUTHSERVER_REDIS_* for a Redis namespace of this test's own (a fresh key prefix)."""
    return {"AUTHSERVER_REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
            "AUTHSERVER_REDIS_KEY_PREFIX": f"authserver-test-{uuid.uuid4().hex[:12]}"}


@pytest.fixture
def redis_settings() -> dict[str, str]:
    """Redis settings; skips, saying why, when no Redis answers at 127.0.0.1:6379."""
    if not redis_available():
        pytest.skip(f"no Redis at {REDIS_HOST}:{REDIS_PORT}: shared-counter tests need one")
    return redis_test_settings()


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest, settings: dict) -> str:
    """Run a test with counters in memory and in Redis."""
    if request.param == "redis":
        settings.update(request.getfixturevalue("redis_settings"))
    return request.param


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification run, so a test can tell that none ran."""
    calls: list[str] = []
    verify = PasswordHasher.verify

    def counting(self: PasswordHasher, hash_: str, password: str) -> bool:
        calls.append(password)
        return verify(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


@pytest.fixture
def audit_events(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], list[dict]]]:
    """Call it for the audit events logged so far, decoded (our logger does not propagate)."""
    logger = logging.getLogger("authserver.audit")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="authserver.audit")

    def events() -> list[dict]:
        return [json.loads(r.getMessage()) for r in caplog.records
                if r.name == "authserver.audit"]

    yield events
    logger.removeHandler(caplog.handler)


def event_names(events: list[dict]) -> list[str]:
    return [event["event"] for event in events]
