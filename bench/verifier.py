"""How fast authserver.resource verifies an access token, read against the raw RSA verify
rate measured in the same run (issue 5).

    .venv/bin/python bench/verifier.py [SECONDS per figure, default 5]

"raw RSA verify" is cryptography's RSA-2048 PKCS#1 v1.5 SHA-256 verify of the token's own
signing input: the floor of any RS256 verifier. "TokenVerifier.verify" is the whole path a
resource server runs per request: header checks, the cached key lookup, joserfc's signature
check and the claim checks (the key set is fetched once, from a stub issuer on loopback,
before the clock starts). ES256 and EdDSA are shown for comparison. One process, one thread;
each figure is the best of five interleaved rounds. Prints a table, then one JSON line.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from joserfc import jwt
from joserfc.jwk import ECKey, OKPKey, RSAKey
from rates import rate

from authserver.resource import TokenVerifier

AUDIENCE = "https://api.example.com"
ROUNDS = 5  # each figure is the best of this many interleaved rounds
KEYS = {"RS256": lambda: RSAKey.generate_key(2048), "ES256": lambda: ECKey.generate_key("P-256"),
        "EdDSA": lambda: OKPKey.generate_key("Ed25519")}


def serve_jwks(jwks: dict) -> tuple[ThreadingHTTPServer, str]:
    """A stub issuer: metadata and /jwks on a loopback port."""
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            pass

        def do_GET(self) -> None:
            body = json.dumps({"issuer": issuer, "jwks_uri": f"{issuer}/jwks"}
                              if self.path.startswith("/.well-known/") else jwks).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "max-age=3600")
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, issuer


def main(seconds: float) -> dict[str, float]:
    keys = {alg: make() for alg, make in KEYS.items()}
    jwks = {"keys": [{**key.as_dict(private=False), "kid": alg, "alg": alg, "use": "sig"}
                     for alg, key in keys.items()]}
    server, issuer = serve_jwks(jwks)
    verifier = TokenVerifier(issuer, AUDIENCE)
    now = int(time.time())
    claims = {"iss": issuer, "sub": "user-1", "aud": AUDIENCE, "client_id": "spa", "iat": now,
              "exp": now + 3600, "jti": "bench", "scope": "openid orders:read"}
    tokens = {alg: jwt.encode({"alg": alg, "typ": "at+jwt", "kid": alg}, claims, key,
                              algorithms=[alg]) for alg, key in keys.items()}
    for token in tokens.values():
        verifier.verify(token, ["orders:read"])  # fetches the key set once

    signing_input, _, signature = tokens["RS256"].rpartition(".")
    raw_signature = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    public = keys["RS256"].get_op_key("verify")
    operations = {"raw RSA-2048 verify": lambda: public.verify(
        raw_signature, signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())}
    for alg, token in tokens.items():
        operations[f"TokenVerifier.verify {alg}"] = (
            lambda token=token: verifier.verify(token, ["orders:read"]))
    figures = dict.fromkeys(operations, 0.0)
    for _ in range(ROUNDS):  # interleaved: a burst of load elsewhere hits every figure alike
        for name, operation in operations.items():
            figures[name] = max(figures[name], rate(operation, seconds / ROUNDS)["per_second"])
    server.shutdown()
    assert verifier.keys.fetches == 1, "the key set was fetched again during the run"
    return figures


if __name__ == "__main__":
    warnings.filterwarnings("ignore", "EdDSA is deprecated")  # the RFC 8037 name, on purpose
    results = main(float(sys.argv[1]) if len(sys.argv) > 1 else 5.0)
    raw = results["raw RSA-2048 verify"]
    width = max(map(len, results))
    for name, per_second in results.items():
        print(f"{name:<{width}}  {per_second:>9,.0f}/s  {per_second / raw:6.1%} of raw RSA")
    print(json.dumps({name: round(value) for name, value in results.items()}))
