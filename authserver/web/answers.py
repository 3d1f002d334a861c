"""JSON answers with the protocol endpoints' headers (no-store, no-cache): the one builder
for success bodies and RFC error bodies alike (HD-01)."""

from __future__ import annotations

import json

from authlib.consts import default_json_headers
from flask import Response


def json_answer(status: int, body: dict, challenge: str | None = None) -> Response:
    response = Response(json.dumps(body), status=status, headers=default_json_headers)
    if challenge is not None:
        response.headers["WWW-Authenticate"] = f"Bearer {challenge}"
    return response


def error_answer(status: int, error: str, description: str) -> Response:
    return json_answer(status, {"error": error, "error_description": description})
