"""`authserver consent ...`: the consents users gave to third-party clients."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..clients import ClientError, find_client
from ..consents import revoke_consent
from ..extensions import db
from ..models import Client, Consent
from ..users import UserError, find_user
from .output import emit, json_option, table


@click.group()
def consent() -> None:
    """See and revoke what users allowed clients to do."""


@consent.command("list")
@click.argument("email")
@json_option
@with_appcontext
def list_consents(email: str, as_json: bool) -> None:
    """The clients EMAIL has approved, with the scopes."""
    try:
        found = find_user(email)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    rows = []
    for given in Consent.for_user(found.id):
        client = Client.find(given.client_id)
        rows.append({"client_id": given.client_id, "client_name": client.name if client else "",
                     "scope": given.scope, "granted_at": given.granted_at})
    emit({"consents": rows}, as_json,
         table([(r["client_id"], r["client_name"], r["scope"]) for r in rows],
               ("CLIENT_ID", "NAME", "SCOPE")))


@consent.command("revoke")
@click.argument("email")
@click.argument("client_id")
@with_appcontext
def revoke(email: str, client_id: str) -> None:
    """Forget EMAIL's consent for CLIENT_ID and revoke that client's tokens for the user."""
    try:
        found = find_user(email)
        find_client(client_id)
    except (UserError, ClientError) as exc:
        raise click.ClickException(str(exc)) from None
    revoked = revoke_consent(found, client_id)
    db.session.commit()
    click.echo(f"revoked the consent of {found.email} for {client_id}; "
               f"revoked {revoked} login(s)")
