"""Intent-named helpers for the authorization code flow over Flask's test client.

    app_client = register(app, redirect_uris=[CALLBACK])
    flow = CodeFlow(http, app_client)
    answer = flow.sign_in(scope="openid offline_access")   # login + consent + redirect
    token = flow.exchange(answer["code"]).get_json()
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from authserver.clients import register_client
from authserver.extensions import db
from tests.conftest import PASSWORD, Registered
from tests.support.browser_login import consent, get_page, login

CALLBACK = "https://rp.example.com/callback"
EMAIL = "alice@example.com"


def register(app: Flask, name: str = "Relying Party", public: bool = False,
             redirect_uris: tuple[str, ...] = (CALLBACK,), **options: object) -> Registered:
    """A third-party client of the code flow (authorization_code + refresh_token)."""
    with app.app_context():
        client, secret = register_client(
            name, public=public, first_party=bool(options.pop("first_party", False)),
            grant_types=options.pop("grant_types", ()), scope=options.pop("scope", None),
            server_scopes=app.config["AUTHSERVER_SCOPES"].split(),
            auth_method=None, redirect_uris=redirect_uris, **options)
        db.session.commit()
        return Registered(client.client_id, secret)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def query_of(location: str) -> dict[str, str]:
    """The parameters of a redirect, each exactly once."""
    parsed = parse_qs(urlsplit(location).query, keep_blank_values=True)
    assert all(len(values) == 1 for values in parsed.values()), location
    return {name: values[0] for name, values in parsed.items()}


def handle_of(location: str) -> str:
    return query_of(location)["request"]


def follow(http: Any, base_url: str, location: str, redirect_uri: str, email: str = EMAIL,
           password: str = PASSWORD, allow: bool = True) -> str:
    """Go where /authorize sent the browser, signing in and consenting as the pages ask,
    until it leaves for the client; returns that URL. `http` is Flask's test client (paths)
    or a requests.Session against `base_url`."""
    for _ in range(6):
        if location.startswith(redirect_uri):
            return location
        path = location.removeprefix(base_url)
        if path.startswith("/login"):
            location = login(http, base_url, email, password, handle_of(path))
        elif path.startswith("/consent"):
            location = consent(http, base_url, handle_of(path), allow)
        else:
            page = get_page(http, base_url, path)
            assert page.status in (302, 303), (page.status, page.text[:300])
            location = page.headers["Location"]
    raise AssertionError(f"stuck at {location}")


@dataclass
class CodeFlow:
    """One relying party's view of the flow, with the browser (cookies) in `http`."""

    http: FlaskClient
    client: Registered
    redirect_uri: str = CALLBACK
    verifier: str = ""
    challenge: str = ""
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.verifier, self.challenge = pkce_pair()

    def request_params(self, **params: object) -> dict:
        base = {"response_type": "code", "client_id": self.client.client_id,
                "redirect_uri": self.redirect_uri, "scope": "openid profile email",
                "state": "st-1", "code_challenge": self.challenge,
                "code_challenge_method": "S256"}
        return {k: v for k, v in {**base, **params}.items() if v is not None}

    def authorize(self, **params: object):
        """GET /authorize; `name=None` drops a parameter."""
        return self.http.get("/authorize", query_string=self.request_params(**params))

    def sign_in(self, email: str = EMAIL, password: str = PASSWORD, allow: bool = True,
                **params: object) -> dict[str, str]:
        """Authorize, log in and consent as the pages ask; the client's redirect params."""
        location = self.authorize(**params).headers["Location"]
        return self.follow(location, email, password, allow)

    def follow(self, location: str, email: str = EMAIL, password: str = PASSWORD,
               allow: bool = True) -> dict[str, str]:
        """Drive our pages until the browser leaves for the client."""
        return query_of(follow(self.http, "", location, self.redirect_uri, email, password,
                               allow))

    def exchange(self, code: str, **extra: object):
        data = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": self.redirect_uri, "code_verifier": self.verifier,
                "client_id": self.client.client_id, **extra}
        data = {k: v for k, v in data.items() if v is not None}
        auth = (self.client.client_id, self.client.secret) if self.client.secret else None
        if auth:
            data.pop("client_id", None)
        return self.http.post("/token", data=data, auth=auth)


# Fixtures for the test modules of the code flow (import them by name: `from
# tests.support.authorize import flow, rp`).
@pytest.fixture
def rp(app: Flask) -> Registered:
    """A confidential relying party with the code flow and refresh tokens."""
    return register(app)


@pytest.fixture
def flow(http: FlaskClient, rp: Registered, alice: str) -> CodeFlow:
    """That relying party and a browser; alice can sign in."""
    return CodeFlow(http, rp)
