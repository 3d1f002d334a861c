"""`authserver client ...`"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..clients import GRANT_TYPES, ClientError, delete_client, find_client, register_client
from ..extensions import db
from ..models import AUTH_METHODS, Client
from .output import emit, json_option, table


def client_dict(c: Client) -> dict:
    return {"client_id": c.client_id, "name": c.name, "public": c.is_public,
            "first_party": c.first_party, "grant_types": c.grant_types, "scope": c.scope,
            "token_endpoint_auth_method": c.token_endpoint_auth_method,
            "redirect_uris": c.redirect_uris, "cors_origins": c.cors_origins,
            "refresh_cookie": c.refresh_cookie, "resource_server": c.resource_server,
            "post_logout_redirect_uris": c.post_logout_redirect_uris,
            "require_pkce": c.require_pkce or c.is_public}


@click.group()
def client() -> None:
    """Manage OAuth clients."""


@client.command("create")
@click.option("--name", required=True, help="Shown to users and in logs.")
@click.option("--public", is_flag=True, help="No secret (SPA, mobile app): auth method none.")
@click.option("--first-party", is_flag=True,
              help="Our own app: may use the password grant, and users are never asked "
                   "for consent.")
@click.option("--grant-type", "grant_types", multiple=True, type=click.Choice(GRANT_TYPES),
              help="Repeatable. Default: authorization_code+refresh_token with "
                   "--redirect-uri, else password+refresh_token for first-party clients and "
                   "client_credentials for other confidential clients.")
@click.option("--redirect-uri", "redirect_uris", multiple=True,
              help="Repeatable. Matched exactly (a loopback http://127.0.0.1 URI of a "
                   "native app may change its port).")
@click.option("--no-pkce", is_flag=True,
              help="Confidential clients only: allow the code flow without PKCE.")
@click.option("--scope", help="The most this client may ask for. Default: every known scope.")
@click.option("--auth-method", type=click.Choice(AUTH_METHODS),
              help="Token endpoint auth method. Default: none if public, else "
                   "client_secret_basic.")
@click.option("--cors-origin", "cors_origins", multiple=True, help="Repeatable.")
@click.option("--refresh-cookie", is_flag=True,
              help="Browser app: refresh token in an HttpOnly cookie (implies --public).")
@click.option("--resource-server", is_flag=True,
              help="An API that may introspect access tokens (RFC 7662).")
@click.option("--post-logout-redirect-uri", "post_logout_redirect_uris", multiple=True,
              help="Repeatable. Where /logout may send the browser afterwards.")
@json_option
@with_appcontext
def create(name: str, public: bool, first_party: bool, grant_types: tuple[str, ...],
           redirect_uris: tuple[str, ...], no_pkce: bool, scope: str | None,
           auth_method: str | None,
           cors_origins: tuple[str, ...], refresh_cookie: bool, resource_server: bool,
           post_logout_redirect_uris: tuple[str, ...], as_json: bool) -> None:
    """Register a client; prints its client_id and, once, its secret."""
    try:
        created, secret = register_client(
            name, public=public, first_party=first_party, grant_types=grant_types, scope=scope,
            server_scopes=current_app.config["AUTHSERVER_SCOPES"].split(),
            auth_method=auth_method, redirect_uris=redirect_uris, cors_origins=cors_origins,
            refresh_cookie=refresh_cookie, resource_server=resource_server,
            post_logout_redirect_uris=post_logout_redirect_uris, require_pkce=not no_pkce)
    except ClientError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    data = client_dict(created) | ({"client_secret": secret} if secret else {})
    text = f"client_id:     {created.client_id}"
    if secret:
        text += f"\nclient_secret: {secret}\n(the secret is shown only now; it is stored hashed)"
    emit(data, as_json, text)


@client.command("list")
@json_option
@with_appcontext
def list_clients(as_json: bool) -> None:
    """List clients (never their secrets)."""
    clients = Client.all()
    rows = [(c.client_id, c.name, "public" if c.is_public else "confidential",
             "yes" if c.first_party else "no", " ".join(c.grant_types)) for c in clients]
    emit({"clients": [client_dict(c) for c in clients]}, as_json,
         table(rows, ("CLIENT_ID", "NAME", "TYPE", "FIRST_PARTY", "GRANTS")))


@client.command("delete")
@click.argument("client_id")
@with_appcontext
def delete(client_id: str) -> None:
    """Delete a client and every token it holds."""
    try:
        delete_client(find_client(client_id))
    except ClientError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"deleted client {client_id}")
