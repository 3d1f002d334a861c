"""What a presented token string is: one of our access tokens, one of our refresh tokens,
or nothing. Shared by revocation (RFC 7009) and introspection (RFC 7662), where the
token_type_hint is only a hint: the shape of the string decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Client, RefreshToken, TokenFamily, User
from .bearer import InvalidToken, is_live, verify_access_token


@dataclass(frozen=True)
class FoundAccessToken:
    claims: dict

    def check_client(self, client: Client) -> bool:
        return self.claims["client_id"] == client.client_id

    def is_active(self, now: int) -> bool:
        return self.claims["exp"] > now and is_live(self.claims, now)


@dataclass(frozen=True)
class FoundRefreshToken:
    row: RefreshToken
    family: TokenFamily
    user: User

    def check_client(self, client: Client) -> bool:
        return self.family.client_id == client.client_id

    def is_active(self, now: int) -> bool:
        return (self.row.rotated_at is None and self.row.expires_at > now
                and self.family.is_live(now) and not self.user.disabled)


def find_token(value: str, now: int) -> FoundAccessToken | FoundRefreshToken | None:
    """Look the token up without judging it live or not (the caller asks is_active)."""
    if value.count(".") == 2:
        try:
            return FoundAccessToken(verify_access_token(value, now, live=False))
        except InvalidToken:
            return None
    found = RefreshToken.find_with_family(value)
    return FoundRefreshToken(*found) if found else None
