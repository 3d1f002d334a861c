"""Checking an email + password: the one path shared by the password grant and the login form.

Brute-force protection (issue 6) belongs here, so that both entry points share one
per-account counter and one generic failure.
"""

from __future__ import annotations

from . import lockout
from .audit import audit
from .models import User
from .passwords import hash_password, needs_rehash, verify_password


def check_credentials(email: str, password: str, max_length: int, via: str,
                      client_id: str | None = None) -> User | None:
    """The user when the password is right and the account usable, else None.

    Unknown account, wrong password, disabled account and an over-long password all answer
    None after the same argon2 work (BF-02, BF-03); the caller gives one generic error.
    A locked account name answers None without hashing (lockout.py): unknown names lock
    the same way, so that tells nothing either.
    May raise passwords.PasswordHashBusy (503) when every hashing slot is taken.
    """
    account = lockout.account_key(email)
    if lockout.is_locked(account):
        audit("login.failed", via=via, client_id=client_id, reason="locked")
        return None
    if len(password) > max_length:
        audit("login.failed", via=via, client_id=client_id, reason="password_too_long")
        lockout.record_failure(account, None)
        return None
    user = User.find_by_email(email)
    valid = verify_password(user.password_hash if user else None, password)
    if not valid or user is None or user.disabled:
        sub = user.sub if user else None
        audit("login.failed", via=via, client_id=client_id, user=sub)
        lockout.record_failure(account, sub)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    lockout.reset(account)
    audit("login.succeeded", via=via, client_id=client_id, user=user.sub)
    return user
