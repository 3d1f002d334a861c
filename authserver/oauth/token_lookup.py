"""What a presented token string is: one of our access tokens, one of our refresh tokens,
or nothing. Shared by revocation (RFC 7009) and introspection (RFC 7662), where the
token_type_hint is only a hint: the shape of the string decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Client, RefreshToken, RefreshTokenState
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
    state: RefreshTokenState

    def check_client(self, client: Client) -> bool:
        return self.state.client_id == client.client_id

    def is_active(self, now: int) -> bool:
        return self.state.is_active(now)


def find_token(value: str, now: int) -> FoundAccessToken | FoundRefreshToken | None:
    """Look the token up without judging it live or not (the caller asks is_active)."""
    if value.count(".") == 2:
        try:
            return FoundAccessToken(verify_access_token(value, now, live=False))
        except InvalidToken:
            return None
    state = RefreshToken.lookup(value)
    return FoundRefreshToken(state) if state else None
