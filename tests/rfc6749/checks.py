"""Assertions and request builders shared by the token-endpoint tests."""

from __future__ import annotations

import base64
from urllib.parse import quote_plus

from werkzeug.test import TestResponse

#: text that only a leaked stack trace, SQL statement or library banner would contain (HD-03)
LEAK_MARKERS = ("Traceback", 'File "', "SELECT", "INSERT", "WHERE", "sqlalchemy", "psycopg",
                "sqlite3", "Error:", "Werkzeug/", "Python/", "authserver/")


def assert_token_headers(response: TestResponse) -> None:
    """HD-01: every token-endpoint answer, errors included."""
    assert response.mimetype == "application/json", response.headers
    assert response.headers.get("Cache-Control") == "no-store", response.headers
    assert response.headers.get("Pragma") == "no-cache", response.headers


def assert_oauth_error(response: TestResponse, status: int, error: str) -> dict:
    """An RFC 6749 §5.2 error body with the given status, cache headers and nothing leaked."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, text)
    assert_token_headers(response)
    body = response.get_json()
    assert body["error"] == error, body
    assert set(body) <= {"error", "error_description", "error_uri"}, body
    assert isinstance(body.get("error_description", ""), str)
    for marker in LEAK_MARKERS:
        assert marker not in text, (marker, text)
    return body


def answer(response: TestResponse) -> tuple[int, bytes, list[tuple[str, str]]]:
    """Everything a client can observe in a response, for byte-for-byte comparisons (but the
    X-Request-Id, random for every request)."""
    headers = sorted((k, v) for k, v in response.headers.items() if k != "X-Request-Id")
    return response.status_code, response.get_data(), headers


def basic_auth(client_id: str, secret: str) -> dict[str, str]:
    """`Authorization: Basic` per RFC 6749 §2.3.1: each part form-urlencoded (Appendix B)."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def raw_basic(credentials: bytes | str) -> dict[str, str]:
    """A Basic header over exactly these bytes, encoded or not, for malformed-input tests."""
    raw = credentials.encode() if isinstance(credentials, str) else credentials
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
