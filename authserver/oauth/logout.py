"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2-§3): which client asks,
for which user, and where the browser may go afterwards.

post_logout_redirect_uri must be registered, exactly, for the client named by client_id or
by the id_token_hint's audience; anything that does not add up is an error page, never a
redirect.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from ..clock import clock
from ..keys import KeyRing
from ..models import Client
from .bearer import InvalidToken
from .id_token import decode_id_token_hint
from .reply import RequestError
from .server import AuthorizationServer


@dataclass(frozen=True)
class EndSession:
    client: Client | None
    #: the user the id_token_hint names: logging them out needs no confirmation
    hint_sub: str | None
    redirect_uri: str | None
    state: str | None

    def location(self) -> str | None:
        """post_logout_redirect_uri with the state, when the relying party gave one."""
        if self.redirect_uri is None:
            return None
        if self.state is None:
            return self.redirect_uri
        separator = "&" if urlsplit(self.redirect_uri).query else "?"
        query = urlencode({"state": self.state}, quote_via=quote, safe="")
        return f"{self.redirect_uri}{separator}{query}"


def end_session_request(server: AuthorizationServer, keyring: KeyRing, params: dict
                        ) -> EndSession:
    """The checked request; RequestError (shown as an error page) otherwise."""
    hint_claims = None
    if (hint := params.get("id_token_hint")) is not None:
        try:  # an expired hint is fine: it only says who and for which client (§2)
            hint_claims = decode_id_token_hint(hint, keyring, server.issuer, clock.now())
        except InvalidToken:
            raise RequestError("invalid_request", "id_token_hint is not an id_token issued "
                                                  "here") from None
    client_id = params.get("client_id")
    if hint_claims is not None:
        if client_id is not None and client_id != hint_claims["aud"]:
            raise RequestError("invalid_request", "client_id differs from the id_token_hint's "
                                                  "audience")
        client_id = hint_claims["aud"]
    client = server.query_client(client_id) if client_id else None
    if client_id and client is None:
        raise RequestError("invalid_request", "the client is unknown")
    redirect_uri = params.get("post_logout_redirect_uri")
    if redirect_uri is not None and (client is None
                                     or redirect_uri not in client.post_logout_redirect_uris):
        raise RequestError("invalid_request", "post_logout_redirect_uri is not registered for "
                                              "this client (send client_id or id_token_hint)")
    return EndSession(client, hint_claims["sub"] if hint_claims else None, redirect_uri,
                      params.get("state"))
