"""Scopes in words, for the consent page and the account's "Connected apps" list."""

from __future__ import annotations

#: what granting a scope lets the application do, completing "This will allow the app to ..."
SCOPE_WORDS = {
    "openid": "Sign you in and know who you are",
    "profile": "See your name",
    "email": "See your email address",
    "offline_access": "Stay signed in, even when you are not using it",
}


def describe(scope: str) -> str:
    """The words for a scope; an unknown one by its name (never hidden from the user)."""
    return SCOPE_WORDS.get(scope, f"Use the “{scope}” permission")


def describe_all(scope: str) -> list[dict[str, str]]:
    """Each scope once, in a fixed order (signing in first, then data, then the unknown)."""
    order = list(SCOPE_WORDS)
    names = sorted(set(scope.split()),
                   key=lambda name: (order.index(name) if name in order else len(order), name))
    return [{"scope": name, "description": describe(name)} for name in names]
