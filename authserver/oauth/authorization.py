"""The authorization endpoint's decisions (RFC 6749 §4.1.1-4.1.2, OIDC Core §3.1.2, RFC 9207):
validate with Authlib's code grant, then answer the client, or hand the browser to the login
or consent page and finish when it comes back (/authorize/resume).

The protocol layer never renders UI: every function here returns an Outcome that
web/authorize.py turns into HTTP. Whatever cannot be tied to a registered redirect URI is an
error page; every other answer goes to the client's redirect URI with `iss` (RFC 9207), the
state byte for byte, and only after the user has authenticated, unless prompt=none asked for
no interaction at all (RFC 9700 §4.11.2).
"""

from __future__ import annotations

from flask import current_app

from ..clock import clock
from ..models import AuthorizationRequest, Client, Consent
from .prompt import Prompt
from .reply import ErrorPage, Interaction, Outcome, Redirect, Reply, RequestError
from .request_checks import check_id_token_hint, client_and_reply, validate
from .server import AuthorizationServer
from .subject import SignedIn

#: the parameters kept with a pending request; anything else a client sends is ignored
KEPT = ("response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
        "code_challenge", "code_challenge_method", "prompt", "max_age", "login_hint",
        "response_mode")
LOGIN_PAGE, CONSENT_PAGE = "/login", "/consent"
EXPIRED = ("This sign-in request has expired or was already completed. "
           "Go back to the application and sign in again.")


def begin(server: AuthorizationServer, params: dict[str, str], signed_in: SignedIn | None
          ) -> Outcome:
    """GET/POST /authorize."""
    client, reply = client_and_reply(server, params)
    if client is None:
        return reply
    now = clock.now()
    try:
        grant = validate(server, params, signed_in)
        prompt = Prompt.read(params, signed_in, now)
        check_id_token_hint(server, params, client, signed_in, prompt)
    except RequestError as error:
        if signed_in is None and "none" not in params.get("prompt", "").split():
            return _pending(client, {**_kept(params, reply), "error": [error.error,
                                                                       error.description]},
                            LOGIN_PAGE, now)
        return reply.error(error.error, error.description)
    stored = {**_kept(params, reply), "scope": grant.request.scope or ""}
    if prompt.login_required:
        if prompt.none:
            return reply.error("login_required", "the user must sign in")
        return _pending(client, {**stored, "login_required": True}, LOGIN_PAGE, now)
    if _consent_needed(client, signed_in, stored["scope"], prompt):
        if prompt.none:
            return reply.error("consent_required", "the user must approve this application")
        return _pending(client, stored, CONSENT_PAGE, now, signed_in)
    return _issue(grant, reply, signed_in)


def resume(server: AuthorizationServer, handle: str, signed_in: SignedIn | None) -> Outcome:
    """GET /authorize/resume: the login or consent page is done with the request."""
    now = clock.now()
    pending = AuthorizationRequest.find(handle, now) if 0 < len(handle) <= 128 else None
    if pending is None:
        return ErrorPage("invalid_request", EXPIRED)
    params = pending.params
    client, reply = client_and_reply(server, params)
    if client is None:
        return reply
    if _login_missing(pending, signed_in):
        return Interaction(LOGIN_PAGE, handle)
    if "error" in params:
        return _answer_once(pending, now, lambda: reply.error(*params["error"]))
    if pending.consent == "denied":
        return _answer_once(pending, now,
                            lambda: reply.error("access_denied", "the user denied the request"))
    prompt = Prompt.read(params, signed_in, now, resuming=True)
    if pending.consent is None and _consent_needed(client, signed_in, params["scope"], prompt):
        return Interaction(CONSENT_PAGE, handle)

    def finish() -> Redirect:
        try:
            grant = validate(server, _as_sent(params), signed_in)
        except RequestError as error:  # the client's registration changed meanwhile
            return reply.error(error.error, error.description)
        return _issue(grant, reply, signed_in)

    return _answer_once(pending, now, finish)


def _login_missing(pending: AuthorizationRequest, signed_in: SignedIn | None) -> bool:
    """Back without a login, as another user than the one who signed in for the request, or
    without the fresh sign-in the request demanded (prompt=login, max_age, no session)."""
    if signed_in is None or pending.user_id not in (None, signed_in.user.id):
        return True
    forced = pending.params.get("login_required") or "error" in pending.params
    fresh = pending.auth_time is not None and pending.auth_time >= pending.created_at \
        and signed_in.auth_time >= pending.created_at
    return bool(forced) and not fresh


def _consent_needed(client: Client, signed_in: SignedIn, scope: str, prompt: Prompt) -> bool:
    """Never for first-party clients; always for prompt=consent; otherwise unless a
    remembered consent covers every scope asked for."""
    if client.first_party:
        return False
    if prompt.consent:
        return True
    remembered = Consent.find(signed_in.user.id, client.client_id)
    return remembered is None or not remembered.covers(set(scope.split()))


def _pending(client: Client, params: dict, page: str, now: int,
             signed_in: SignedIn | None = None) -> Interaction:
    """Store the request for the pages; one going to consent belongs to who is signed in."""
    row, handle = AuthorizationRequest.create(
        client.client_id, params, now, current_app.config["AUTHSERVER_AUTHORIZATION_REQUEST_TTL"])
    if signed_in is not None:
        row.record_login(signed_in.user.id, signed_in.auth_time)
    return Interaction(page, handle)


def _kept(params: dict, reply: Reply) -> dict:
    """What a pending request keeps: the protocol parameters, and the redirect URI the
    answer goes to even when the client left it out (the pages' form-action names it)."""
    kept = {name: params[name] for name in KEPT if name in params}
    if "redirect_uri" not in kept:
        kept.update(redirect_uri=reply.redirect_uri, redirect_uri_sent=False)
    return kept


def _as_sent(stored: dict) -> dict:
    """The request as the client sent it: a redirect_uri only if it had one, since then
    /token must repeat it (RFC 6749 §4.1.3)."""
    params = dict(stored)
    if params.pop("redirect_uri_sent", True) is False:
        del params["redirect_uri"]
    return params


def _answer_once(pending: AuthorizationRequest, now: int, answer) -> Outcome:
    """A pending request is answered once: a second /authorize/resume gets the error page."""
    if not pending.consume(now):
        return ErrorPage("invalid_request", EXPIRED)
    return answer()


def _issue(grant, reply: Reply, signed_in: SignedIn) -> Redirect:
    return reply.success(code=grant.issue_code(signed_in))
