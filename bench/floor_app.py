"""The HTTP floor: a bare Flask app served exactly as `authserver serve` serves authserver.

No endpoint of authserver can beat this on the same core, so every figure is read against it.

    python bench/floor_app.py granian|gunicorn PORT
"""

from __future__ import annotations

import sys

from flask import Flask

from authserver.cli.serve import RUNNERS, Serving

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"


if __name__ == "__main__":
    server, port = sys.argv[1], int(sys.argv[2])
    RUNNERS[server](app, Serving("127.0.0.1", port, workers=1, threads=1, timeout=30))
