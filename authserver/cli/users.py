"""`authserver user ...`"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..models import User
from ..users import UserError, create_user, find_user, set_disabled, set_password, set_profile
from .output import emit, json_option, table


def _user_dict(u: User) -> dict:
    return {"sub": u.sub, "email": u.email, "name": u.name,
            "email_verified": u.email_verified, "disabled": u.disabled}


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise click.ClickException("no terminal to ask for a password: use --password-stdin")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group()
def user() -> None:
    """Manage end users."""


@user.command("create")
@click.argument("email")
@click.option("--name", help="Display name (the `name` claim).")
@click.option("--email-verified", is_flag=True,
              help="The address is known to be theirs (the `email_verified` claim).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@json_option
@with_appcontext
def create(email: str, name: str | None, email_verified: bool, password_stdin: bool,
           as_json: bool) -> None:
    """Create a user who logs in with EMAIL."""
    try:
        created = create_user(email, read_password(password_stdin), name,
                              current_app.config["AUTHSERVER_PASSWORD_MAX_LENGTH"],
                              email_verified=email_verified)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    emit(_user_dict(created), as_json, f"created user {created.email} (sub {created.sub})")


@user.command("set")
@click.argument("email")
@click.option("--name", help="Display name (the `name` claim); an empty string clears it.")
@click.option("--email-verified/--email-unverified", default=None,
              help="Whether the address is known to be theirs (the `email_verified` claim).")
@json_option
@with_appcontext
def set_claims(email: str, name: str | None, email_verified: bool | None,
               as_json: bool) -> None:
    """Change a user's profile claims, as relying parties will see them."""
    if name is None and email_verified is None:
        raise click.UsageError("give --name and/or --email-verified/--email-unverified")
    try:
        found = find_user(email)
        set_profile(found, name=name, email_verified=email_verified)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    emit(_user_dict(found), as_json, f"updated {found.email}")


@user.command("list")
@json_option
@with_appcontext
def list_users(as_json: bool) -> None:
    """List users."""
    users = list(db.session.scalars(db.select(User).order_by(User.id)))
    rows = [(u.email, u.sub, u.name or "", "disabled" if u.disabled else "active") for u in users]
    emit({"users": [_user_dict(u) for u in users]}, as_json,
         table(rows, ("EMAIL", "SUB", "NAME", "STATE")))


def _toggle(email: str, disabled: bool) -> None:
    try:
        found = find_user(email)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    revoked = set_disabled(found, disabled)
    db.session.commit()
    state = "disabled" if disabled else "enabled"
    click.echo(f"{state} {found.email}" + (f"; revoked {revoked} login(s)" if revoked else ""))


@user.command("disable")
@click.argument("email")
@with_appcontext
def disable(email: str) -> None:
    """Disable a user and revoke all of their tokens."""
    _toggle(email, True)


@user.command("enable")
@click.argument("email")
@with_appcontext
def enable(email: str) -> None:
    """Enable a disabled user."""
    _toggle(email, False)


@user.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def change_password(email: str, password_stdin: bool) -> None:
    """Set a new password; every existing login of the user ends."""
    try:
        found = find_user(email)
        revoked = set_password(found, read_password(password_stdin),
                               current_app.config["AUTHSERVER_PASSWORD_MAX_LENGTH"])
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"password changed for {found.email}; revoked {revoked} login(s)")
