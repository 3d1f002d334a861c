"""Every endpoint's rate limits, in one table keyed by URL rule (BF-05, BF-06).

A limit counts requests per client IP, per presented client_id or per account name, with the
limit strings from the AUTHSERVER_RATE_LIMIT_* settings. The checks run before the view, so
before any client secret digest or password hash is computed. Over a limit: 429, Retry-After
and a JSON `rate_limited` error (a page may register its own handler for RateLimitExceeded).
A new endpoint gets limits by one entry in LIMITS.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from authlib.oauth2 import OAuth2Error
from flask import Flask, Response, g, request
from flask_limiter import Limiter, RateLimitExceeded

from ..audit import audit
from ..extensions import client_ip, limiter
from ..lockout import account_key
from ..oauth.client_auth import parse_basic
from ..oauth.params import read_form
from .answers import error_answer


def _form() -> dict[str, str]:
    """The request's form parameters, or none when it is malformed (the view refuses it)."""
    if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return {}
    try:
        return read_form(request, allow_query=True)
    except OAuth2Error:
        return {}


def presented_client_id() -> str | None:
    """The client_id of the Basic header or the body, as sent: before it is authenticated."""
    try:
        basic = parse_basic(request.headers.get("Authorization"))
    except OAuth2Error:
        basic = None
    client_id = basic[0] if basic else _form().get("client_id")
    return account_key(client_id) if client_id else None  # bounded length, whatever was sent


def presented_account() -> str | None:
    """The account name a password attempt targets (`username` at /token, or `email`)."""
    form = _form()
    name = form.get("username") or form.get("email")
    return account_key(name) if name else None


@dataclass(frozen=True)
class Rule:
    """What one limit counts: its setting, the key of a request, and whether endpoints share
    its counters (an account's attempts count the same at /token and at /login)."""

    setting: str
    key: Callable[[], str | None]
    shared_scope: str | None = None


PER_IP = Rule("AUTHSERVER_RATE_LIMIT_PER_IP", client_ip)
PER_CLIENT = Rule("AUTHSERVER_RATE_LIMIT_PER_CLIENT", presented_client_id)
PER_ACCOUNT = Rule("AUTHSERVER_RATE_LIMIT_PER_ACCOUNT", presented_account, "account")

#: URL rule -> its limits. The login page joins with `"/login": (PER_IP, PER_ACCOUNT)`.
LIMITS: dict[str, tuple[Rule, ...]] = {
    "/token": (PER_IP, PER_CLIENT, PER_ACCOUNT),
    "/revoke": (PER_IP, PER_CLIENT),
    "/introspect": (PER_IP, PER_CLIENT),
    "/refresh": (PER_IP,),
    "/userinfo": (PER_IP,),
    "/account/sessions": (PER_IP,),
    "/account/sessions/<family_id>": (PER_IP,),
}


def _request_key(rule: Rule) -> str | None:
    """The rule's key for this request, computed once (Flask-Limiter asks twice)."""
    cache = g.setdefault("rate_limit_keys", {})
    if rule not in cache:
        cache[rule] = rule.key()
    return cache[rule]


def _decorator(limits: Limiter, rule: Rule, value: str) -> Callable:
    def key() -> str:
        return _request_key(rule) or ""

    def exempt() -> bool:
        return _request_key(rule) is None  # nothing to count by (no username, no client_id)

    if rule.shared_scope:
        return limits.shared_limit(value, rule.shared_scope, key_func=key, exempt_when=exempt)
    return limits.limit(value, key_func=key, exempt_when=exempt)


def init_app(app: Flask) -> None:
    """Wrap the view of every URL rule in LIMITS with its limits (after the blueprints)."""
    limits: Limiter = app.extensions["authserver.limiter"]
    decorators = {rule: _decorator(limits, rule, app.config[rule.setting])
                  for rules in LIMITS.values() for rule in rules if app.config[rule.setting]}
    wrapped: set[str] = set()
    for url_rule in app.url_map.iter_rules():
        if url_rule.endpoint in wrapped:
            continue
        wrapped.add(url_rule.endpoint)
        view = app.view_functions[url_rule.endpoint]
        for rule in LIMITS.get(url_rule.rule, ()):
            if rule in decorators:
                view = decorators[rule](view)
        app.view_functions[url_rule.endpoint] = view
    app.register_error_handler(RateLimitExceeded, too_many_requests)


def retry_after() -> int:
    """Seconds until the breached limit's window resets; at least 1."""
    breached = limiter().current_limit
    reset_at = breached.reset_at if breached else time.time() + 1
    return max(1, math.ceil(reset_at - time.time()))


def too_many_requests(exc: RateLimitExceeded) -> Response:
    seconds = retry_after()
    audit("rate_limit.exceeded", endpoint=request.url_rule.rule if request.url_rule else None,
          limit=str(exc.limit.limit))
    response = error_answer(429, "rate_limited",
                            f"too many requests; retry after {seconds} seconds")
    response.headers["Retry-After"] = str(seconds)
    return response
