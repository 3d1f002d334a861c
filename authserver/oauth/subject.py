"""The resource owner as Authlib's grants carry it: a user within one login's token family."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import User


@dataclass(frozen=True)
class Subject:
    """Plain values, so the refresh path needs no User instance."""

    user_id: int
    #: the public subject identifier (the `sub` claim)
    sub: str
    #: the token family this request issues into; its id rides in every access token
    family_id: str
    #: when the user last authenticated (OIDC auth_time), kept across refreshes
    auth_time: int

    def get_user_id(self) -> str:
        return self.sub


@dataclass(frozen=True)
class SignedIn:
    """Who approved an authorization request, and when they last typed their password."""

    user: User
    auth_time: int
