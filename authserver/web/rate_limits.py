"""Every endpoint's rate limits, in one table keyed by URL rule (BF-05, BF-06).

A limit counts requests per client IP, per presented client_id or per account name, with the
limit strings from the AUTHSERVER_RATE_LIMIT_* settings. The checks run before the view, so
before any client secret digest or password hash is computed. Over a limit: 429, Retry-After
and a JSON `rate_limited` error (a page may register its own handler for RateLimited).
A new endpoint gets limits by one entry in LIMITS.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import wraps

from authlib.oauth2 import OAuth2Error
from flask import Flask, Response, g, request
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from ..audit import audit
from ..counters import Counters
from ..extensions import client_ip
from ..lockout import account_key
from ..oauth.client_auth import parse_basic
from ..oauth.params import FORM_TYPE, MAX_LENGTHS, read_form
from .answers import error_answer

MAX_KEY = MAX_LENGTHS["client_id"]


def _form() -> dict[str, str]:
    """The form parameters, as web/hygiene.py read and checked them before the view (read
    here if an endpoint is missing from its table); none when the body is not a valid form
    (the view refuses the request anyway)."""
    if "protocol_form" not in g and request.mimetype == FORM_TYPE:
        with suppress(OAuth2Error):
            read_form(request, allow_query=True)
    parsed = g.get("protocol_form")
    return parsed if isinstance(parsed, dict) else {}


def presented_client_id() -> str | None:
    """The client_id of a request that presents a client secret (Basic or in the body), as
    sent: before it is authenticated.

    Public clients are not counted per client: their client_id ships in every copy of the
    frontend, so anyone could spend the one bucket all its users share. They are counted per
    IP and per account instead.
    """
    header = request.headers.get("Authorization")
    try:
        basic = parse_basic(header) if header else None
    except OAuth2Error:
        basic = None
    if basic:
        client_id = basic[0]
    else:
        form = _form()
        client_id = form.get("client_id") if form.get("client_secret") else None
    return client_id[:MAX_KEY] if client_id else None  # no real client_id is longer


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

#: URL rule -> its limits. The sign-in page counts against the same per-account bucket as
#: the password grant.
LIMITS: dict[str, tuple[Rule, ...]] = {
    "/token": (PER_IP, PER_CLIENT, PER_ACCOUNT),
    "/revoke": (PER_IP, PER_CLIENT),
    "/introspect": (PER_IP, PER_CLIENT),
    "/refresh": (PER_IP,),
    "/userinfo": (PER_IP,),
    "/account/sessions": (PER_IP,),
    "/account/sessions/<family_id>": (PER_IP,),
    "/login": (PER_IP, PER_ACCOUNT),
    "/authorize": (PER_IP,),
}


class RateLimited(TooManyRequests):
    """A limit is reached; pages may register their own handler for it (the login form)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


def check(rules: tuple[tuple[Rule, list[RateLimitItem]], ...], counting: Counters) -> None:
    """Count this request under each rule that has a key for it; RateLimited past a limit.

    Straight through Flask-Limiter's strategy rather than its decorators: those resolve the
    limits of every request anew, which cost ~0.15 ms of a ~1 ms client_credentials request.
    """
    scope = request.url_rule.rule if request.url_rule else request.path
    for rule, items in rules:
        key = rule.key()
        if key is None:
            continue  # nothing to count by (no username, no client_id)
        bucket = (rule.shared_scope or scope, rule.setting, key)
        for item in items:
            if not counting.run(lambda strategy, i=item, b=bucket: strategy.hit(i, *b)):
                reset_at = counting.run(
                    lambda strategy, i=item, b=bucket: strategy.get_window_stats(i, *b))[0]
                audit("rate_limit.exceeded", endpoint=scope, limit=str(item),
                      rule=rule.setting.removeprefix("AUTHSERVER_RATE_LIMIT_").lower())
                raise RateLimited(max(1, math.ceil(reset_at - time.time())))


def _limited(view: Callable, rules: tuple[tuple[Rule, list[RateLimitItem]], ...],
             counting: Counters) -> Callable:
    @wraps(view)
    def limited(*args: object, **kwargs: object) -> object:
        check(rules, counting)
        return view(*args, **kwargs)

    return limited


def init_app(app: Flask) -> None:
    """Wrap the view of every URL rule in LIMITS with its limits (after the blueprints)."""
    config = app.config
    wrapped: set[str] = set()
    for url_rule in app.url_map.iter_rules():
        rules = tuple((rule, parse_many(config[rule.setting]))
                      for rule in LIMITS.get(url_rule.rule, ()) if config[rule.setting])
        if rules and url_rule.endpoint not in wrapped:
            wrapped.add(url_rule.endpoint)
            app.view_functions[url_rule.endpoint] = _limited(
                app.view_functions[url_rule.endpoint], rules, app.extensions["authserver.counters"])
    app.register_error_handler(RateLimited, too_many_requests)


def too_many_requests(exc: RateLimited) -> Response:
    response = error_answer(429, "rate_limited",
                            f"too many requests; retry after {exc.retry_after} seconds")
    response.headers["Retry-After"] = str(exc.retry_after)
    return response
