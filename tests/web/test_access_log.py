"""The access log: one line per request, with its request id, and nothing a client could use
to hide a secret in it (query strings) or forge a second line (control characters)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from authserver.logs import JsonFormatter, formatter


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def access_lines(app) -> Iterator[list[logging.LogRecord]]:
    handler = Lines()
    logger = logging.getLogger("authserver.access")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_one_line_per_request_with_its_id_and_without_the_query(http, access_lines):
    response = http.get("/jwks?access_token=secret-in-query")
    (record,) = access_lines
    text = formatter("text").format(record)
    assert f'127.0.0.1 "GET /jwks" 200 {response.content_length} ' in text
    assert text.endswith(f"ms id={response.headers['X-Request-Id']}")
    assert "secret-in-query" not in text + JsonFormatter().format(record)
    assert record.fields["status"] == 200 and record.fields["path"] == "/jwks"


def test_a_path_cannot_forge_a_second_line(http, access_lines):
    http.get("/jwks%0a2026-01-01 INFO authserver.access forged")
    (record,) = access_lines
    for style in ("text", "json"):
        line = formatter(style).format(record)
        assert "\n" not in line and "\\n2026-01-01" in line
