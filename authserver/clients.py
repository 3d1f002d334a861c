"""Registering OAuth clients: what a registration may combine, checked once, here."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit

from .audit import audit
from .clock import clock
from .config import is_loopback_http
from .crypto import digest, new_token
from .extensions import db
from .models import AUTH_METHODS, OFFLINE_ACCESS, Client

#: the built-in client of the /account page
ACCOUNT_CLIENT_ID = "authserver-account"
#: grant types a client may be registered for today
GRANT_TYPES = ("authorization_code", "password", "refresh_token", "client_credentials")


class ClientError(ValueError):
    """The registration is inconsistent; the message says why."""


def _check_origin(origin: str) -> str:
    parts = urlsplit(origin)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or parts.username:
        raise ClientError(f"not an origin (scheme://host[:port]): {origin!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _check_redirect_uri(uri: str) -> str:
    """Absolute, no fragment, printable ASCII; http only on a loopback host (RFC 9700 §2.1;
    native apps: RFC 8252 §7.3), or a private-use scheme (RFC 8252 §7.1)."""
    parts = urlsplit(uri)
    if not parts.scheme or not (parts.netloc or parts.scheme not in ("http", "https")) \
            or "#" in uri or not uri.isascii() or not uri.isprintable() or " " in uri \
            or len(uri) > 2000:
        raise ClientError(f"a redirect URI must be absolute, without a fragment: {uri!r}")
    if parts.scheme == "http" and not is_loopback_http(uri):
        raise ClientError(f"an http redirect URI must be on a loopback host: {uri!r}")
    return uri


def register_client(name: str, *, public: bool, first_party: bool, grant_types: Sequence[str],
                    scope: str | None, server_scopes: Sequence[str], auth_method: str | None,
                    redirect_uris: Sequence[str] = (), cors_origins: Sequence[str] = (),
                    refresh_cookie: bool = False, resource_server: bool = False,
                    post_logout_redirect_uris: Sequence[str] = (), require_pkce: bool = True,
                    client_id: str | None = None) -> tuple[Client, str | None]:
    """Create a client; returns it with its secret (shown once, stored only as a digest)."""
    if not name.strip():
        raise ClientError("a client needs a name")
    if refresh_cookie:  # a browser app: it cannot keep a secret
        if not first_party:
            raise ClientError("refresh-cookie mode is for first-party clients (--first-party)")
        if auth_method not in (None, "none"):
            raise ClientError("a refresh-cookie client runs in a browser and has no secret")
        public = True
    if resource_server and public:
        raise ClientError("a resource server authenticates to introspect: not --public")
    grants = list(dict.fromkeys(grant_types or _default_grants(public, first_party,
                                                               bool(redirect_uris))))
    unknown = set(grants) - set(GRANT_TYPES)
    if unknown:
        raise ClientError(f"unsupported grant type(s): {', '.join(sorted(unknown))}")
    if "password" in grants and not first_party:
        raise ClientError("the password grant is for first-party clients (--first-party)")
    if "client_credentials" in grants and public:
        raise ClientError("client_credentials needs a confidential client (not --public)")
    if "authorization_code" in grants and not redirect_uris:
        raise ClientError("the authorization_code grant needs at least one --redirect-uri")
    if not require_pkce and public:
        raise ClientError("a public client must use PKCE (RFC 9700 §2.1.1): not --no-pkce")
    if refresh_cookie and not cors_origins:
        raise ClientError("a refresh-cookie client needs its frontend's --cors-origin")
    method = auth_method or ("none" if public else "client_secret_basic")
    if method not in AUTH_METHODS or (method == "none") != public:
        raise ClientError(f"auth method {method!r} does not fit a "
                          f"{'public' if public else 'confidential'} client")
    scopes = (scope if scope is not None else " ".join(server_scopes)).split()
    if OFFLINE_ACCESS in scopes and "refresh_token" in grants:
        scopes.remove(OFFLINE_ACCESS)  # implied: clients with refresh tokens may ask for it
    if set(scopes) - set(server_scopes):
        raise ClientError(f"unknown scope(s): {' '.join(sorted(set(scopes) - set(server_scopes)))}"
                          f" (known: {' '.join(server_scopes)})")
    secret = None if public else new_token()
    client = Client(
        client_id=client_id or secrets.token_hex(12),  # never starts with "-" (CLI args)
        secret_digest=digest(secret) if secret else None,
        name=name.strip(), redirect_uris=[_check_redirect_uri(u) for u in redirect_uris],
        post_logout_redirect_uris=[_check_redirect_uri(u) for u in post_logout_redirect_uris],
        grant_types=grants, scope=" ".join(scopes), require_pkce=require_pkce,
        response_types=["code"] if "authorization_code" in grants else [],
        token_endpoint_auth_method=method, first_party=first_party,
        refresh_cookie=refresh_cookie, cors_origins=[_check_origin(o) for o in cors_origins],
        resource_server=resource_server, created_at=clock.now())
    db.session.add(client)
    audit("client.created", client_id=client.client_id)
    return client, secret


def _default_grants(public: bool, first_party: bool, redirects: bool) -> list[str]:
    """With redirect URIs: the code flow, refresh tokens with offline_access."""
    if redirects:
        return ["authorization_code", "refresh_token"]
    if first_party:
        return ["password", "refresh_token"]
    if not public:
        return ["client_credentials"]
    raise ClientError("give at least one --grant-type")


def issuer_origin(issuer: str) -> str:
    parts = urlsplit(issuer)
    return f"{parts.scheme}://{parts.netloc}"


def ensure_account_client(issuer: str, server_scopes: Sequence[str]) -> Client:
    """The /account page's own client: first-party, public, refresh-cookie mode, allowed
    from the issuer's origin (kept in step with AUTHSERVER_ISSUER on every `init`)."""
    client = Client.find(ACCOUNT_CLIENT_ID)
    if client is None:
        client, _ = register_client(
            "Account", public=True, first_party=True, grant_types=("password", "refresh_token"),
            scope=" ".join(s for s in ("openid", "profile", "email") if s in server_scopes),
            server_scopes=server_scopes, auth_method="none", refresh_cookie=True,
            cors_origins=[issuer_origin(issuer)], client_id=ACCOUNT_CLIENT_ID)
    elif client.cors_origins != [issuer_origin(issuer)]:
        client.cors_origins = [issuer_origin(issuer)]
    return client


def find_client(client_id: str) -> Client:
    client = Client.find(client_id)
    if client is None:
        raise ClientError(f"no client {client_id!r}")
    return client


def delete_client(client: Client) -> None:
    """Delete a client; its token families go with it (ON DELETE CASCADE)."""
    db.session.delete(client)
    audit("client.deleted", client_id=client.client_id)
