"""The Flask class the server runs on.

Flask asks `inspect.iscoroutinefunction` of every hook, view and handler on every request
(ensure_sync): nine times for a token request, about 3% of a client_credentials request
besides signing, in process. The answer never changes for a function, so it is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

#: functions whose answer is kept: every hook, view and error handler, with room to spare;
#: past it (functions made per request) Flask is asked each time
MAX_KEPT = 1024


class AuthServerFlask(Flask):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        sync = self._sync.get(func)
        if sync is None:
            sync = super().ensure_sync(func)
            if len(self._sync) < MAX_KEPT:
                self._sync[func] = sync
        return sync
