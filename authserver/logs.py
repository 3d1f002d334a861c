"""Log lines: text for people, or one JSON object per line for log shippers
(AUTHSERVER_LOG_FORMAT).

A record may carry `fields` (a dict, given with `extra=`): the JSON format puts them at the top
level, so an audit event or a request line is one flat object rather than JSON in a string.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        else:
            line["message"] = record.getMessage()
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, separators=(",", ":"), default=str)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure(level: str, log_format: str) -> None:
    """The `authserver` loggers (audit and request lines included) write to stderr."""
    logger = logging.getLogger("authserver")
    logger.setLevel(level.upper())
    logger.propagate = False  # one line per event, whatever the root logger does
    handler = next((h for h in logger.handlers if getattr(h, "authserver", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.authserver = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    handler.setFormatter(formatter(log_format))
    # Authlib's DEBUG lines carry whole token responses ("Issue token {...}") and usernames:
    # never let them reach a handler, whatever level the root logger is set to (ST-05).
    logging.getLogger("authlib").setLevel(logging.INFO)


def use_format_for(logger: logging.Logger, log_format: str) -> None:
    """Another library's logger (gunicorn's) in our format, so every line parses alike."""
    for handler in logger.handlers:
        handler.setFormatter(formatter(log_format))
