"""Helpers for the end-to-end tests: real HTTP clients talking to a LiveServer.

The clients are the ones real users of this server run: Authlib's requests-based
OAuth2Session for the OAuth side, plain `requests` where a test needs the raw answer.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import jwt
import requests
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask
from sqlalchemy import func, select

from authserver.extensions import db
from authserver.models import RefreshToken
from tests.conftest import PASSWORD, Registered

from .conftest import LiveServer, stop_server

EMAIL = "alice@example.com"
TIMEOUT = 10
T = TypeVar("T")


def token_url(server: LiveServer) -> str:
    return f"{server.url}/token"


class RecordingSession(OAuth2Session):
    """An OAuth2Session that keeps every HTTP response, so a test can check the status of
    an exchange that Authlib turned into an OAuthError."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, default_timeout=TIMEOUT, **kwargs)
        self.responses: list[requests.Response] = []
        self.hooks["response"].append(self._record)

    def _record(self, response: requests.Response, *_: object, **__: object) -> None:
        self.responses.append(response)

    @property
    def last_response(self) -> requests.Response:
        return self.responses[-1]


def frontend_session(client: Registered, scope: str = "openid profile email") -> RecordingSession:
    """The first-party SPA: a public client (no secret) using the password grant.

    leeway=0: the frontend refreshes when an API answers 401, not ahead of time.
    """
    return RecordingSession(client.client_id, token_endpoint_auth_method="none", scope=scope,
                            leeway=0)


def machine_session(client: Registered, **kwargs: object) -> RecordingSession:
    """A confidential machine client (client_secret_basic unless told otherwise)."""
    return RecordingSession(client.client_id, client.secret, **kwargs)


def login(session: OAuth2Session, server: LiveServer, username: str = EMAIL,
          password: str = PASSWORD) -> dict:
    return session.fetch_token(token_url(server), grant_type="password", username=username,
                               password=password)


def userinfo(server: LiveServer, access_token: str | None,
             http: requests.Session | None = None) -> requests.Response:
    """GET /userinfo with the token in the Authorization header, as a resource call."""
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    return (http or requests).get(f"{server.url}/userinfo", headers=headers, timeout=TIMEOUT)


def refresh(server: LiveServer, client: Registered, refresh_token: str,
            http: requests.Session | None = None) -> requests.Response:
    """A raw refresh request, for answers a test inspects (replays, races)."""
    data = {"grant_type": "refresh_token", "client_id": client.client_id,
            "refresh_token": refresh_token}
    return (http or requests).post(token_url(server), data=data, timeout=TIMEOUT)


def assert_invalid_grant(response: requests.Response) -> None:
    """400 invalid_grant as RFC 6749 §5.2 and our contract have it: described, not cached."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_grant", body
    assert body.get("error_description"), body
    assert response.headers.get("Cache-Control") == "no-store"
    assert response.headers.get("Pragma") == "no-cache"


_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


def bearer_challenge(response: requests.Response) -> dict[str, str]:
    """The attributes of a `WWW-Authenticate: Bearer ...` header (RFC 6750 §3)."""
    header = response.headers.get("WWW-Authenticate", "")
    scheme, _, params = header.partition(" ")
    assert scheme == "Bearer", f"not a Bearer challenge: {header!r}"
    return dict(_CHALLENGE_PARAM.findall(params))


def unverified_claims(token: str) -> dict:
    """The claims of a JWT, without checking it: only to find ids a test needs."""
    return jwt.decode(token, options={"verify_signature": False})


def wait_until(instant: float) -> None:
    """Sleep until the wall clock passes `instant` (epoch seconds), plus a hair."""
    time.sleep(max(0.0, instant - time.time()) + 0.02)


def start_of_next_second() -> None:
    """Line up with the server's integer clock, so a 1 s token lives almost a full second."""
    wait_until(int(time.time()) + 1)


def family_size(app: Flask, refresh_token: str) -> int:
    """How many refresh tokens the family of this one holds in the database."""
    with app.app_context():
        row = RefreshToken.find(refresh_token)
        assert row is not None, "refresh token not stored"
        return db.session.scalar(select(func.count()).select_from(RefreshToken)
                                 .where(RefreshToken.family_id == row.family_id))


def concurrently(count: int, call: Callable[[requests.Session], T]) -> list[T]:
    """Run `call` in `count` threads, each with its own connection, released together."""
    barrier = threading.Barrier(count)

    def run(_: int) -> T:
        with requests.Session() as http:
            barrier.wait(timeout=TIMEOUT)
            return call(http)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def assert_not_logged(server: LiveServer, **secrets: str) -> None:
    """ST-05: none of these values appears in the server's output (access log included).

    Stops the server first: gunicorn writes an access line after the response has left, so
    only a stopped server's log is complete.
    """
    stop_server(server)
    log = server.log()
    assert '"POST /token"' in log, "the access log is missing: nothing was checked"
    leaked = sorted(name for name, value in secrets.items() if value and value in log)
    assert not leaked, f"secrets found in the server log: {leaked}"
