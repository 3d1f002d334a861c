"""Per-account brute-force protection (BF-01, BF-04): Keycloak-like temporary lockout.

Failures are counted per account *name* (the normalized email, keyed with the server secret),
not per user row: an unknown email is counted and locked exactly like a real one, so the
lockout tells nothing about which accounts exist. Every AUTHSERVER_LOCKOUT_THRESHOLD-th
failure locks the name for `increment x (failures / threshold)` seconds, capped at
AUTHSERVER_LOCKOUT_MAX_WAIT: never permanent. The count starts over
AUTHSERVER_LOCKOUT_RESET_AFTER seconds after the first failure, and a successful login resets
it.

The counters live in the rate limiter's storage (counters.py): Redis when configured, so
every instance shares them. Chosen over a database table because they expire by themselves
(nothing to purge), a failed login records its failure without a commit in the transaction
the failed request rolls back, and a login costs no extra write. Without Redis each worker
counts alone: a deployment of several workers or instances sets AUTHSERVER_REDIS_URL.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from limits.storage import Storage

from .audit import audit
from .extensions import counters
from .models.user import normalize_email

T = TypeVar("T")


def account_key(email: str) -> str:
    """A stable, non-reversible name for the account an attempt targets."""
    secret = current_app.config["AUTHSERVER_SECRET_KEY"].encode()
    name = normalize_email(email).encode()
    return hmac.new(secret, b"account\x00" + name, hashlib.sha256).hexdigest()[:32]


def _keys(account: str) -> tuple[str, str]:
    return f"lockout/failures/{account}", f"lockout/locked/{account}"


def _counted(action: Callable[[Storage], T]) -> T:
    return counters().run(lambda strategy: action(strategy.storage))


def is_locked(account: str) -> bool:
    if not current_app.config["AUTHSERVER_LOCKOUT_THRESHOLD"]:
        return False
    return _counted(lambda storage: storage.get(_keys(account)[1]) > 0)


def record_failure(account: str, user: str | None) -> None:
    """Count a failed login; lock the account name at every multiple of the threshold."""
    config = current_app.config
    threshold = config["AUTHSERVER_LOCKOUT_THRESHOLD"]
    if not threshold:
        return
    failures_key, locked_key = _keys(account)
    failures = _counted(lambda storage: storage.incr(
        failures_key, config["AUTHSERVER_LOCKOUT_RESET_AFTER"]))
    if failures % threshold:
        return
    wait = min(config["AUTHSERVER_LOCKOUT_WAIT_INCREMENT"] * (failures // threshold),
               config["AUTHSERVER_LOCKOUT_MAX_WAIT"])
    _counted(lambda storage: storage.incr(locked_key, wait))
    audit("login.locked", account=account, user=user, failures=failures, seconds=wait)


def reset(account: str) -> None:
    """A successful login forgets the failures."""
    if current_app.config["AUTHSERVER_LOCKOUT_THRESHOLD"]:
        _counted(lambda storage: storage.clear(_keys(account)[0]))
