"""Answers handed to the WSGI server as one buffer instead of an iterator.

Werkzeug wraps every body in a closing iterator; granian pulls such an iterator item by item
through Python (`response_iter`) but sends a list in one write (`response_bytes`). Every answer
of ours is already in memory (JSON, a page, a redirect), so it goes as a list: about 25 us of a
refresh on one core under `authserver serve` (README, Performance). A streamed body (a static
file) keeps its iterator.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, Response


class WholeBodyResponse(Response):
    def get_app_iter(self, environ: dict[str, Any]) -> Iterable[bytes]:
        app_iter = super().get_app_iter(environ)
        if not self.is_sequence:
            return app_iter
        try:
            return list(app_iter)
        finally:
            # the body is in memory: nothing is left to wait for before closing
            if hasattr(app_iter, "close"):
                app_iter.close()


def init_app(app: Flask) -> None:
    """Flask converts any Response a view returns to the app's response class (force_type)."""
    app.response_class = WholeBodyResponse
