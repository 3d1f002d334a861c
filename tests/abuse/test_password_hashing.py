"""Bounded password hashing (RL-10): at most K argon2 hashes at once per worker; the excess
answers 503 + Retry-After at once instead of queueing memory and latency."""

from __future__ import annotations

import threading
import time

import pytest

from authserver import passwords
from tests.rfc6749.checks import assert_oauth_error

ONE_SLOT = {"AUTHSERVER_PASSWORD_HASH_CONCURRENCY": 1, "AUTHSERVER_PASSWORD_HASH_WAIT": 0}


@pytest.mark.settings(**ONE_SLOT)
def test_a_login_without_a_free_slot_gets_a_fast_503(tokens, spa, alice):
    with passwords.hashing_slot():  # another request is hashing
        start = time.perf_counter()
        busy = tokens.login(spa)
        elapsed = time.perf_counter() - start

    assert_oauth_error(busy, 503, "temporarily_unavailable")
    assert busy.headers["Retry-After"] == "1"
    assert elapsed < 0.5
    assert tokens.login(spa).status_code == 200  # the slot is back


@pytest.mark.settings(AUTHSERVER_PASSWORD_HASH_CONCURRENCY=1, AUTHSERVER_PASSWORD_HASH_WAIT=2)
def test_a_login_waits_briefly_for_a_slot(tokens, spa, alice):
    held = threading.Event()

    def hold() -> None:
        with passwords.hashing_slot():
            held.set()
            time.sleep(0.3)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    response = tokens.login(spa)
    holder.join()

    assert response.status_code == 200, response.get_json()


@pytest.mark.settings(AUTHSERVER_PASSWORD_HASH_CONCURRENCY=2, AUTHSERVER_PASSWORD_HASH_WAIT=0)
def test_no_more_than_k_hashes_run_at_once(app, monkeypatch):
    """Eight threads hashing at once with K=2: never more than two inside argon2."""
    inside, peak, lock = 0, 0, threading.Lock()
    real_verify = passwords.PasswordHasher.verify

    def measured(self, hash_: str, password: str) -> bool:
        nonlocal inside, peak
        with lock:
            inside += 1
            peak = max(peak, inside)
        try:
            time.sleep(0.05)
            return real_verify(self, hash_, password)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(passwords.PasswordHasher, "verify", measured)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            passwords.verify_password(None, "x")
            outcomes.append("hashed")
        except passwords.PasswordHashBusy:
            outcomes.append("busy")

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert peak <= 2
    assert "busy" in outcomes and "hashed" in outcomes


def test_the_default_bound_is_the_core_count(app):
    import os

    assert passwords._slots.size == (os.cpu_count() or 1)
