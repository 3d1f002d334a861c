"""Managing end users: the rules around the User model, for the CLI and the pages."""

from __future__ import annotations

import re

from .audit import audit
from .clock import clock
from .models import LoginSession, TokenFamily, User
from .models.user import normalize_email
from .passwords import hash_password

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
MIN_PASSWORD_LENGTH = 8


class UserError(ValueError):
    """The request cannot be honoured; the message says why."""


def check_password_policy(password: str, max_length: int) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > max_length:
        raise UserError(f"password must be at most {max_length} characters")


def create_user(email: str, password: str, name: str | None, max_password: int,
                email_verified: bool = False) -> User:
    normalized = normalize_email(email)
    if not _EMAIL.fullmatch(normalized) or len(normalized) > 320:
        raise UserError(f"not an email address: {email!r}")
    if User.find_by_email(normalized):
        raise UserError(f"a user with email {normalized} already exists")
    check_password_policy(password, max_password)
    user = User.create(normalized, hash_password(password), _check_name(name), clock.now())
    user.email_verified = email_verified
    audit("user.created", user=user.sub)
    return user


def _check_name(name: str | None) -> str | None:
    """At most 200 printable characters (the `name` claim); blank means no name."""
    if name is None:
        return None
    if len(name) > 200 or not name.isprintable():
        raise UserError("a name has at most 200 printable characters")
    return name.strip() or None


def set_profile(user: User, name: str | None = None, email_verified: bool | None = None
                ) -> None:
    """Change the claims the user's id_tokens and /userinfo release (OIDC Core §5.1);
    None leaves a field as it is, an empty name clears it."""
    if name is not None:
        user.name = _check_name(name)
    if email_verified is not None:
        user.email_verified = email_verified
    audit("user.profile_changed", user=user.sub)


def find_user(email: str) -> User:
    user = User.find_by_email(email)
    if user is None:
        raise UserError(f"no user with email {normalize_email(email)}")
    return user


def set_disabled(user: User, disabled: bool) -> int:
    """Disable (revoking every token family) or enable a user; returns families revoked."""
    user.disabled = disabled
    revoked = _end_logins(user) if disabled else 0
    audit("user.disabled" if disabled else "user.enabled", user=user.sub)
    return revoked


def set_password(user: User, password: str, max_password: int) -> int:
    """A new password ends every existing login (RF-07); returns families revoked."""
    check_password_policy(password, max_password)
    user.password_hash = hash_password(password)
    audit("user.password_changed", user=user.sub)
    return _end_logins(user)


def _end_logins(user: User) -> int:
    """Every token family and browser session of the user ends; returns families revoked."""
    now = clock.now()
    LoginSession.end_for_user(user.id, now)
    return TokenFamily.revoke_for_user(user.id, now)
