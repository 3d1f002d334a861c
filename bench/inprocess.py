"""The resource-server verifier (authserver.resource.TokenVerifier), measured in process by
bench/verifier.py and read here.

verifier.py runs on its own (`python bench/verifier.py SECONDS`) and ends its output with
one JSON line of rates per second; this suite runs it pinned to the server's core, like
rates.py, and keeps its RS256 figure against the raw RSA verify rate it measured alongside.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from procs import SERVER_CPU, pinned

SCRIPT = Path(__file__).resolve().parent / "verifier.py"
VERIFY = "TokenVerifier.verify RS256"
RAW = "raw RSA-2048 verify"


def verifier_unavailable() -> str | None:
    if importlib.util.find_spec("authserver.resource") is None:
        return "authserver.resource does not exist"
    if not SCRIPT.exists():
        return "bench/verifier.py does not exist"
    return None


def measure_verifier(seconds: float) -> dict:
    """The verifier's row; {"error": ...} when verifier.py fails or changes its output."""
    done = subprocess.run(pinned([sys.executable, str(SCRIPT), str(seconds)], SERVER_CPU),
                          capture_output=True, text=True, timeout=60 * seconds + 120,
                          check=False)
    lines = done.stdout.strip().splitlines()
    try:
        figures = json.loads(lines[-1])
        rate, raw = float(figures[VERIFY]), float(figures[RAW])
    except (IndexError, KeyError, TypeError, ValueError):
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"bench/verifier.py failed ({done.returncode}): {detail}"}
    return {"rps": rate, "vs_floor": None, "vs_rsa_sign": None, "figures": figures,
            "bound": {"name": "raw RSA verify", "per_second": raw, "ratio": rate / raw}}
