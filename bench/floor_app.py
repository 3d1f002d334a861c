"""The HTTP floor: a bare Flask app under the same gunicorn settings as authserver.

No endpoint of authserver can beat this on the same core, so every figure is read against it.
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
