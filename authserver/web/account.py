"""The first-party account page, and the session list behind it.

The page is a client like any other first-party SPA (refresh-cookie mode); the session API
takes its access token, and only tokens of first-party clients may manage an account.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Response

from ..audit import audit
from ..clients import ACCOUNT_CLIENT_ID
from ..clock import clock
from ..consents import revoke_consent
from ..extensions import db
from ..models import Client, Consent, TokenFamily, User
from .answers import error_answer, json_answer
from .bearer import bearer_error, require_access_token
from .pages import render_page
from .scope_words import describe_all

bp = Blueprint("account", __name__, static_folder="../static/account",
               static_url_path="/account/static")


@bp.get("/account")
def page() -> Response:
    return render_page("account.html", client_id=ACCOUNT_CLIENT_ID,
                       scope="openid profile email")


def require_account_owner(view: Callable[..., Response]) -> Callable[..., Response]:
    """Call the view with the claims and the user of a first-party sign-in's access token."""

    @require_access_token
    @wraps(view)
    def protected(claims: dict, *args: object, **kwargs: object) -> Response:
        client = Client.find(claims["client_id"])
        user = User.find_by_sub(claims["sub"])
        if client is None or not client.first_party or user is None or user.disabled:
            return bearer_error(403, "insufficient_scope",
                                "only a first-party sign-in may manage the account")
        return view(claims, user, *args, **kwargs)

    return protected


@bp.get("/account/sessions")
@require_account_owner
def sessions(claims: dict, user: User) -> Response:
    """One entry per live token family: a sign-in on some device or app."""
    listed = [{"id": family.id, "client": client_name, "created_at": family.created_at,
               "last_used_at": last_used, "user_agent": family.user_agent,
               "current": family.id == claims.get("grant_id")}
              for family, client_name, last_used in TokenFamily.live_for_user(user.id,
                                                                              clock.now())]
    return json_answer(200, {"sessions": listed})


@bp.delete("/account/sessions/<family_id>")
@require_account_owner
def end_session(claims: dict, user: User, family_id: str) -> Response:
    family = TokenFamily.find(family_id)
    if family is None or family.user_id != user.id:
        return error_answer(404, "not_found", "no such session")
    TokenFamily.revoke(family.id, clock.now())
    audit("session.revoked", family=family.id, user=user.sub, by=claims.get("grant_id"))
    db.session.commit()
    return Response(status=204)


@bp.delete("/account/sessions")
@require_account_owner
def end_other_sessions(claims: dict, user: User) -> Response:
    """Sign out everywhere else: every session but the one making the request."""
    ended = TokenFamily.revoke_for_user(user.id, clock.now(), keep=claims.get("grant_id"))
    audit("session.revoked_others", user=user.sub, count=ended)
    db.session.commit()
    return json_answer(200, {"ended": ended})


@bp.get("/account/consents")
@require_account_owner
def consents(claims: dict, user: User) -> Response:
    """Connected apps: each client the user let in, with what it may do, in words."""
    listed = []
    for consent in Consent.for_user(user.id):
        client = Client.find(consent.client_id)
        listed.append({"client_id": consent.client_id, "client": client.name if client else "",
                       "scopes": describe_all(consent.scope), "granted_at": consent.granted_at})
    return json_answer(200, {"consents": listed})


@bp.delete("/account/consents/<client_id>")
@require_account_owner
def revoke_app(claims: dict, user: User, client_id: str) -> Response:
    """Remove an app's access: forget the consent, end the app's sessions for the user."""
    if Consent.find(user.id, client_id) is None:
        return error_answer(404, "not_found", "no such connected app")
    ended = revoke_consent(user, client_id)
    db.session.commit()
    return json_answer(200, {"ended": ended})
