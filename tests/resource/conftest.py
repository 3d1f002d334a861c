"""A stub issuer on a loopback port, signing keys, and a Flask resource server under test.

The stub serves metadata and /jwks from memory and records every request, so tests can count
fetches and prove that nothing else was asked for. Tokens are signed here with joserfc, the
way the authorization server signs them (tests/e2e/ uses the real one).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import ECKey, OKPKey, RSAKey

from authserver.resource import TokenVerifier
from authserver.resource.flask import ResourceServer, current_token, require_token

AUDIENCE = "https://api.example.com"
NOW = 1_900_000_000  # the verifiers' clock in these tests: times are exact


@dataclass
class Signer:
    """A key of the issuer: publishes itself and signs access tokens like the issuer."""

    key: RSAKey | ECKey | OKPKey
    alg: str
    issuer: str
    kid: str = ""

    def __post_init__(self) -> None:
        self.kid = self.kid or self.key.thumbprint()

    def public_jwk(self) -> dict:
        return {**self.key.as_dict(private=False), "kid": self.kid, "use": "sig",
                "alg": self.alg}

    def claims(self, **overrides: object) -> dict:
        claims = {"iss": self.issuer, "sub": "user-1", "aud": AUDIENCE, "client_id": "spa",
                  "iat": NOW, "exp": NOW + 300, "jti": uuid.uuid4().hex,
                  "scope": "openid orders:read"}
        return {k: v for k, v in (claims | overrides).items() if v is not None}

    def token(self, header: dict | None = None, **claims: object) -> str:
        protected = {"alg": self.alg, "typ": "at+jwt", "kid": self.kid} | (header or {})
        protected = {k: v for k, v in protected.items() if v is not None}
        return jwt.encode(protected, self.claims(**claims), self.key, algorithms=[self.alg])

    def raw_token(self, header: dict, **claims: object) -> str:
        """Signed whatever the header holds (joserfc refuses odd values): RS256 only."""
        protected = {"alg": "RS256", "typ": "at+jwt", "kid": self.kid} | header
        signing_input = ".".join(b64(json.dumps(part).encode())
                                 for part in (protected, self.claims(**claims)))
        signature = self.key.get_op_key("sign").sign(
            signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64(signature)}"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class StubIssuer:
    url: str
    jwks: dict = field(default_factory=lambda: {"keys": []})
    cache_control: str | None = "public, max-age=60"
    metadata_paths: tuple[str, ...] = ("/.well-known/oauth-authorization-server",)
    introspection: dict | None = None  # the next answers of /introspect (status, body)
    requests: list[tuple[str, str, dict, bytes]] = field(default_factory=list)
    down: bool = False

    def metadata(self) -> dict:
        return {"issuer": self.url, "jwks_uri": f"{self.url}/jwks",
                "introspection_endpoint": f"{self.url}/introspect"}

    def publish(self, *signers: Signer) -> None:
        self.jwks = {"keys": [s.public_jwk() for s in signers]}

    def paths(self, method: str = "GET") -> list[str]:
        return [path for m, path, _, _ in self.requests if m == method]


def _handler(stub: StubIssuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            pass

        def answer(self, status: int, body: object, cache: str | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if cache:
                self.send_header("Cache-Control", cache)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            stub.requests.append(("GET", self.path, dict(self.headers), b""))
            if stub.down:
                self.answer(503, {"error": "down"})
            elif self.path in stub.metadata_paths:
                self.answer(200, stub.metadata())
            elif self.path == "/jwks":
                self.answer(200, stub.jwks, stub.cache_control)
            else:
                self.answer(404, {"error": "not found"})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            stub.requests.append(("POST", self.path, dict(self.headers), body))
            if self.path == "/introspect" and stub.introspection is not None:
                self.answer(*stub.introspection)
            else:
                self.answer(404, {"error": "not found"})

    return Handler


@pytest.fixture
def issuer() -> Iterator[StubIssuer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    stub = StubIssuer(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(stub)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield stub
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def rsa_key() -> RSAKey:
    return RSAKey.generate_key(2048)


@pytest.fixture
def rs256(issuer: StubIssuer, rsa_key: RSAKey) -> Signer:
    signer = Signer(rsa_key, "RS256", issuer.url)
    issuer.publish(signer)
    return signer


@pytest.fixture
def es256(issuer: StubIssuer) -> Signer:
    return Signer(ECKey.generate_key("P-256"), "ES256", issuer.url)


@pytest.fixture
def eddsa(issuer: StubIssuer) -> Signer:
    return Signer(OKPKey.generate_key("Ed25519"), "EdDSA", issuer.url)


class Clock:
    """The verifier's clock; tests move it with `clock.now += seconds`."""

    def __init__(self) -> None:
        self.now: float = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def verifier(issuer: StubIssuer, clock: Clock) -> TokenVerifier:
    return TokenVerifier(issuer.url, AUDIENCE, refetch_interval=10, clock=clock)


def resource_app(verifier: object, realm: str | None = "api") -> Flask:
    """An API as its developers would write it with the library."""
    app = Flask(__name__)
    ResourceServer(app, verifier, realm=realm)

    @app.get("/orders")
    @require_token("orders:read")
    def orders() -> dict:
        token = current_token()
        return {"sub": token.subject, "client_id": token.client_id}

    @app.get("/me")
    @require_token()
    def me() -> dict:
        return {"sub": current_token().subject}

    return app


@pytest.fixture
def api(verifier: TokenVerifier) -> FlaskClient:
    return resource_app(verifier).test_client()


def wait_for(condition, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
