"""A resource server as an API team writes it with authserver.resource: run as its own process
(`gunicorn tests.resource.rs_app:app`) by tests/e2e/test_key_rotation.py.

Settings from the environment: RS_ISSUER, RS_AUDIENCE, RS_LEEWAY, RS_REFETCH_INTERVAL.
"""

from __future__ import annotations

import os

from flask import Flask

from authserver.resource import TokenVerifier
from authserver.resource.flask import ResourceServer, current_token, require_token

app = Flask(__name__)
ResourceServer(app, TokenVerifier(os.environ["RS_ISSUER"], os.environ["RS_AUDIENCE"],
                                  leeway=int(os.environ.get("RS_LEEWAY", "30")),
                                  refetch_interval=float(os.environ.get("RS_REFETCH_INTERVAL",
                                                                        "30"))))


@app.get("/orders")
@require_token("orders:read")
def orders() -> dict:
    return {"sub": current_token().subject, "pid": os.getpid()}


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok", "pid": os.getppid()}
