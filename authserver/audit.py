"""Audit events: one JSON line each on the `authserver.audit` logger, never a secret."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask import g, has_request_context, request

from .metrics import count_event

logger = logging.getLogger("authserver.audit")


def audit(event: str, **fields: object) -> None:
    """Log a dotted event (`login.failed`, `refresh.reuse_detected`) with identifiers only."""
    count_event(event, fields)  # counted even when audit lines are off
    if not logger.isEnabledFor(logging.INFO):
        return  # nothing to format on the hot path when audit lines are off
    record = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event}
    record.update(_request_fields())
    record.update({k: v for k, v in fields.items() if v is not None})
    # the text format shows the JSON; the JSON format (logs.py) puts the fields at top level
    logger.info(json.dumps(record, separators=(",", ":"), default=str), extra={"fields": record})


def _request_fields() -> dict[str, str | None]:
    """The request id (web/request_context.py) and client IP; nothing outside a request."""
    if not has_request_context():
        return {}
    return {"request_id": g.get("request_id"), "ip": request.remote_addr}
