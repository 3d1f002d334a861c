"""The requests the bench sends, one per endpoint, as a client of each kind would send them."""

from __future__ import annotations

import base64
import json
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

from load import FORM, Request
from seeding import SCOPE, Accounts

#: measured over HTTP, in this order (password last: it adds a login per request)
HTTP_ENDPOINTS = ("discovery", "jwks", "client_credentials", "refresh_token", "introspect",
                  "userinfo", "password")
#: measured in process
INPROCESS_ENDPOINTS = ("verifier",)
ENDPOINTS = HTTP_ENDPOINTS + INPROCESS_ENDPOINTS
#: they need a user's access token, fetched fresh before each run so it never expires mid-run
NEED_ACCESS_TOKEN = ("introspect", "userinfo")


def basic(client_id: str, secret: str) -> str:
    """client_secret_basic: both parts form-encoded, then base64 (RFC 6749 §2.3.1)."""
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def _form(path: str, body: dict[str, str], *headers: tuple[str, str]) -> Request:
    return Request("POST", path, (("Content-Type", FORM), *headers), prefix=urlencode(body))


def http_request(name: str, accounts: Accounts, access_token: str | None = None,
                 tokens: Path | None = None) -> Request:
    """The request for one endpoint; refresh_token takes its tokens from the `tokens` file."""
    resource = ("Authorization", basic(accounts.resource_id, accounts.resource_secret))
    if name == "discovery":
        return Request("GET", "/.well-known/openid-configuration")
    if name == "jwks":
        return Request("GET", "/jwks")
    if name == "client_credentials":
        return client_credentials(accounts.machine_id, accounts.machine_secret)
    if name == "refresh_token":
        return refresh_token(accounts.spa_id, tokens)
    if name == "introspect":
        return _form("/introspect", {"token": access_token or ""}, resource)
    if name == "userinfo":
        return Request("GET", "/userinfo", (("Authorization", f"Bearer {access_token}"),))
    if name == "password":
        return _form("/token", _login_form(accounts))
    raise ValueError(f"not an HTTP endpoint: {name}")


def client_credentials(client_id: str, secret: str) -> Request:
    return _form("/token", {"grant_type": "client_credentials"}, ("Authorization",
                                                                   basic(client_id, secret)))


def refresh_token(client_id: str, tokens: Path | None) -> Request:
    """A public client's refresh, each request with the next token of the `tokens` file."""
    head = urlencode({"grant_type": "refresh_token", "client_id": client_id})
    return Request("POST", "/token", (("Content-Type", FORM),), prefix=head + "&refresh_token=",
                   tokens=tokens)


def _login_form(accounts: Accounts) -> dict[str, str]:
    return {"grant_type": "password", "client_id": accounts.spa_id, "username": accounts.email,
            "password": accounts.password, "scope": SCOPE}


def login(url: str, accounts: Accounts) -> str:
    """One password login (one argon2 verification): a user's access token."""
    request = urllib.request.Request(f"{url}/token", data=urlencode(_login_form(accounts)).encode(),
                                     headers={"Content-Type": FORM}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["access_token"]
