"""One line per request (the access log) and its latency metric, measured once.

The line has the request id, client IP (behind trusted proxies: web/request_context.py),
method, path WITHOUT the query string, status, size and duration: nothing a client sends as a
credential (query strings, headers, bodies) reaches it (ST-05).
"""

from __future__ import annotations

import json
import logging
from time import perf_counter

from flask import Flask, Response, g, request

from .. import metrics

logger = logging.getLogger("authserver.access")
#: paths are client input: long ones are cut in the log
MAX_PATH = 256


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.started = perf_counter()


def _finish(response: Response) -> Response:
    started = g.get("started")
    if started is None:
        return response
    seconds = perf_counter() - started
    rule = request.url_rule
    metrics.observe_request(request.method, rule.rule if rule else "unmatched", seconds)
    if logger.isEnabledFor(logging.INFO):
        _log(response, seconds)
    return response


def _log(response: Response, seconds: float) -> None:
    fields = {"event": "request", "request_id": g.get("request_id"), "ip": request.remote_addr,
              "method": request.method[:16], "path": request.path[:MAX_PATH],
              "status": response.status_code, "bytes": response.content_length,
              "duration_ms": round(seconds * 1000, 2)}
    # quoted and escaped as JSON: a path cannot forge a second log line
    request_line = json.dumps(f"{fields['method']} {fields['path']}")
    logger.info("%s %s %s %s %sms id=%s", fields["ip"], request_line, fields["status"],
                fields["bytes"], fields["duration_ms"], fields["request_id"],
                extra={"fields": fields})
