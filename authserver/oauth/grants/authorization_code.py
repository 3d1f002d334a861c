"""grant_type=authorization_code (RFC 6749 §4.1), with PKCE and OpenID Connect composed in
at registration (oauth/pkce.py, oauth/id_token.py).

A code is stored as a digest, lives AUTHSERVER_AUTHORIZATION_CODE_TTL seconds and is
consumed by one conditional UPDATE before anything else is checked: of two concurrent
exchanges exactly one wins, and a failed check (wrong verifier, wrong redirect_uri) leaves
the code burned. Presenting a consumed code again revokes the token family the first
exchange started, access tokens included (RFC 6749 §4.1.2, RFC 9700 §4.5).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from authlib.oauth2.rfc6749 import InvalidGrantError, OAuth2Error, grants
from authlib.oidc.core.grants.util import is_openid_scope

from ...audit import audit
from ...clock import clock
from ...crypto import new_token
from ...extensions import db
from ...models import OFFLINE_ACCESS, AuthorizationCode, Client, TokenFamily, User
from ..subject import SignedIn, Subject
from .base import GrantSettings

#: one answer for unknown, expired, used and another client's codes: no oracle
INVALID_CODE = "the authorization code is invalid, expired or already used"


class AuthorizationCodeGrant(GrantSettings, grants.AuthorizationCodeGrant):
    _consumed = False

    # -- /authorize -----------------------------------------------------------------------
    def generate_authorization_code(self) -> str:
        return new_token()

    def issue_code(self, signed_in: SignedIn) -> str:
        """The code for a validated request the user approved (Authlib's
        create_authorization_response without its Location: web/authorize builds that)."""
        self.request.user = signed_in
        code = self.generate_authorization_code()
        self.save_authorization_code(code, self.request)
        return code

    def save_authorization_code(self, code: str, request) -> None:
        signed_in: SignedIn = request.user
        params = request.payload.data
        AuthorizationCode.issue(
            code, client_id=request.client.client_id, user_id=signed_in.user.id,
            redirect_uri=params.get("redirect_uri") or "", scope=request.scope or "",
            nonce=params.get("nonce") if is_openid_scope(request.scope) else None,
            code_challenge=params.get("code_challenge"), auth_time=signed_in.auth_time,
            now=clock.now(), ttl=self.settings["AUTHSERVER_AUTHORIZATION_CODE_TTL"])
        audit("code.issued", client_id=request.client.client_id, user=signed_in.user.sub)

    # -- /token ---------------------------------------------------------------------------
    def validate_token_request(self) -> None:
        with self._burn_on_error():
            super().validate_token_request()

    def create_token_response(self):
        with self._burn_on_error():
            return super().create_token_response()

    @contextmanager
    def _burn_on_error(self) -> Iterator[None]:
        """Once consumed, a code stays consumed whatever fails next: commit before the
        error answer rolls the transaction back (PK-03: no retry with the right verifier)."""
        try:
            yield
        except OAuth2Error:
            if self._consumed:
                db.session.commit()
            raise

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode:
        """The code, now consumed by this request; invalid_grant otherwise."""
        row = AuthorizationCode.find(code)
        now = clock.now()
        if row is None or (row.consumed_at is None and row.expires_at <= now
                           and row.client_id == client.client_id):
            raise InvalidGrantError(INVALID_CODE)
        claimed = row.consumed_at is None and row.consume(now)
        if claimed and row.client_id == client.client_id:
            self._consumed = True
            return row
        if claimed:
            # TE-04: another client's code is burned, so its own client cannot redeem it
            # after a thief tried either
            db.session.commit()
            audit("code.wrong_client", client_id=client.client_id)
        else:
            self._revoke_reused(row, now)
        raise InvalidGrantError(INVALID_CODE)

    def _revoke_reused(self, row: AuthorizationCode, now: int) -> None:
        """A second use: whatever the first exchange issued is revoked, and committed now
        since the error answer rolls back. A concurrent winner has committed by the time
        our UPDATE found nothing to claim, so its family id is there to read."""
        db.session.refresh(row)
        if row.family_id is not None:
            TokenFamily.revoke(row.family_id, now)
        db.session.commit()
        audit("code.reuse_detected", client_id=row.client_id, family=row.family_id)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Subject:
        user = db.session.get(User, authorization_code.user_id)
        if user is None or user.disabled:
            raise InvalidGrantError(INVALID_CODE)
        return Subject(user_id=user.id, sub=user.sub, family_id=TokenFamily.new_id(),
                       auth_time=authorization_code.auth_time)

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None,
                       include_refresh_token=True) -> dict:
        """A refresh token only for offline_access (OIDC Core §11), which only clients
        registered for refresh tokens may ask for, and only with the user's consent."""
        include = include_refresh_token and OFFLINE_ACCESS in (scope or "").split()
        return super().generate_token(user=user, scope=scope, grant_type=grant_type,
                                      expires_in=expires_in, include_refresh_token=include)

    def save_token(self, token: dict) -> None:
        subject: Subject = self.request.user
        family = self.start_family(subject, token,
                                   openid=bool(is_openid_scope(token.get("scope", ""))))
        self.request.authorization_code.family_id = family.id
        audit("token.issued", grant="authorization_code", client_id=self.client.client_id,
              user=subject.sub)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing to delete: the code was marked consumed, and stays until `purge` so that
        a second use is recognised."""
