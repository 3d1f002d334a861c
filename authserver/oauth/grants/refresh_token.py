"""grant_type=refresh_token (RFC 6749 §6) with rotation, a grace window and reuse detection.

Every use rotates: the presented token is claimed with one conditional UPDATE (the row count
says who won) and its successor is inserted in the same transaction; on PostgreSQL, in the
same statement as the lookup when nothing after the lookup can refuse the request. The
successor is derived from the presented token with the server secret, so a retry of the
predecessor inside the grace window gets the very same successor back without any token
stored in clear; outside the window a rotated token is reuse, and the whole family is
revoked (RFC 9700 §4.14.2)."""

from __future__ import annotations

from dataclasses import dataclass

from authlib.oauth2.rfc6749 import InvalidGrantError, grants

from ...audit import audit
from ...clock import clock
from ...crypto import derive_token
from ...models import Client, RefreshToken, RefreshTokenState, TokenFamily, hot_path
from ..subject import Subject
from .base import GrantSettings

#: The one answer for an unknown, expired, revoked, reused or another client's refresh token.
INVALID_REFRESH_TOKEN = "the refresh token is invalid, expired or revoked"


@dataclass
class PresentedRefreshToken:
    """A refresh token found by its digest, with what Authlib asks of it."""

    value: str
    #: the successor's value, derived once (successor() below) for the claim, the grace
    #: lookup and the answer
    next_value: str
    state: RefreshTokenState
    #: set when this is a replay of the live token's predecessor inside the grace window
    successor: RefreshTokenState | None = None
    #: the instant the lookup rotated it already (RefreshToken.claim), if it did
    claimed_at: int | None = None

    def check_client(self, client: Client) -> bool:
        return self.state.client_id == client.client_id

    def get_scope(self) -> str:
        return self.state.scope


class RefreshTokenGrant(GrantSettings, grants.RefreshTokenGrant):
    INCLUDE_NEW_REFRESH_TOKEN = True

    def successor(self, value: str) -> str:
        return derive_token(self.settings["AUTHSERVER_SECRET_KEY"], "refresh-successor", value)

    def authenticate_refresh_token(self, refresh_token: str) -> PresentedRefreshToken:
        """The presented token if usable now; otherwise invalid_grant, raised here because
        Authlib's own has no error_description. One text for every cause: no oracle."""
        presented = self._usable(refresh_token)
        if presented is None:
            raise InvalidGrantError(INVALID_REFRESH_TOKEN)
        return presented

    def _usable(self, refresh_token: str) -> PresentedRefreshToken | None:
        now = clock.now()
        next_value = self.successor(refresh_token)
        state, claimed = self._looked_up(refresh_token, next_value, now)
        if claimed:
            return PresentedRefreshToken(refresh_token, next_value, state, claimed_at=now)
        if state is None:
            return None
        if state.client_id != self.request.client.client_id:
            return None  # another client's token: refuse, and leave it alone (RF-03)
        if not state.family_is_live(now):
            return None
        if state.rotated_at is None:
            if state.expires_at <= now:
                return None
            return PresentedRefreshToken(refresh_token, next_value, state)
        if successor := self._live_successor(next_value, state, now):
            return PresentedRefreshToken(refresh_token, next_value, state, successor)
        self._revoke_reused(state, now)
        return None

    def _looked_up(self, refresh_token: str, next_value: str, now: int
                   ) -> tuple[RefreshTokenState | None, bool]:
        """What the token's lookup found, and whether the lookup rotated it already.

        The lookup POST /refresh made for this very token (it checks the cookie's client
        first), or a fresh one. On PostgreSQL the lookup also rotates a token presentable by
        this client (RefreshToken.claim: one round trip instead of two), unless the request
        asks for a scope, which is checked only after the lookup and may refuse it. A token
        that looked presentable but was not claimed went to a concurrent request: save_token's
        rotation then finds it rotated and answers as it answers a retry."""
        prefetched = self.request.prefetched_refresh_token
        if prefetched is not None and prefetched[0] == refresh_token:
            return prefetched[1], False
        hot_path.open_driver_transaction()
        if hot_path.dialect_name() != "postgresql" or self.request.payload.scope:
            return RefreshToken.lookup(refresh_token), False
        return RefreshToken.claim(refresh_token, self.request.client.client_id, next_value, now,
                                  self.settings["AUTHSERVER_REFRESH_TOKEN_TTL"])

    def _live_successor(self, next_value: str, state: RefreshTokenState, now: int
                        ) -> RefreshTokenState | None:
        """The successor (stored under `next_value`), if the token was rotated moments ago and
        its successor is still the family's live token: then presenting it again is a retry,
        not reuse."""
        grace = self.settings["AUTHSERVER_REFRESH_GRACE_SECONDS"]
        if state.rotated_at is None or now - state.rotated_at > grace or grace == 0:
            return None
        successor = RefreshToken.lookup(next_value)
        if successor is None or successor.rotated_at is not None or successor.expires_at <= now:
            return None
        return successor

    def _revoke_reused(self, state: RefreshTokenState, now: int) -> None:
        """Reuse: revoke the family and commit now, since the error answer rolls back."""
        TokenFamily.revoke(state.family_id, now)
        hot_path.commit()
        audit("refresh.reuse_detected", family=state.family_id, client_id=state.client_id,
              user_id=state.user_id)

    def authenticate_user(self, refresh_token: PresentedRefreshToken) -> Subject:
        state = refresh_token.state
        return Subject(user_id=state.user_id, sub=state.sub, family_id=state.family_id,
                       auth_time=state.auth_time)

    def issue_token(self, user: Subject, refresh_token: PresentedRefreshToken) -> dict:
        """A new access token (scope narrowed on request) and the derived successor."""
        scope = self.request.payload.scope or refresh_token.get_scope()
        token = self.generate_token(user=user, scope=scope, include_refresh_token=False)
        token["refresh_token"] = refresh_token.next_value
        return token

    def save_token(self, token: dict) -> None:
        presented: PresentedRefreshToken = self.request.refresh_token
        state = presented.state
        now = presented.claimed_at or clock.now()
        successor = presented.successor
        idle_ttl = self.settings["AUTHSERVER_REFRESH_TOKEN_TTL"]
        expires_at = state.successor_expires_at(now, idle_ttl)
        if presented.claimed_at is not None or (successor is None and RefreshToken.rotate(
                presented.value, state, token["refresh_token"], now, idle_ttl)):
            audit("refresh.rotated", family=state.family_id, client_id=self.client.client_id)
        else:
            if successor is None:  # a concurrent request rotated it first and has committed
                current = RefreshToken.lookup(presented.value)
                successor = current and self._live_successor(presented.next_value, current, now)
                if successor is None:
                    self._revoke_reused(state, now)
                    raise InvalidGrantError(INVALID_REFRESH_TOKEN)
            expires_at = successor.expires_at
            audit("refresh.retried", family=state.family_id, client_id=self.client.client_id)
        token["refresh_token_expires_in"] = expires_at - now

    def revoke_old_credential(self, refresh_token: PresentedRefreshToken) -> None:
        """Nothing left to do: save_token rotated the old token in the same transaction."""
