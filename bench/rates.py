"""The ceilings set by cryptography alone, measured on the server's core: RSA-2048 sign
(every token response signs one JWT), RSA verify (a resource server's work) and argon2
verify (every password login).

Run as a script (pinned like the server) it prints them as JSON:
`python bench/rates.py SECONDS`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from authserver.passwords import HASHER

#: about the size of an access token's signing input (header.claims, base64url)
SIGNING_INPUT = b"e" * 420
MAX_OPERATIONS = 10_000_000


def rate(operation: Callable[[], object], seconds: float) -> dict[str, float]:
    """Operations per second of wall time and of CPU time, over about `seconds`."""
    operation()  # warm up
    count = 0
    wall, cpu = time.perf_counter(), time.process_time()
    deadline = wall + seconds
    while count < MAX_OPERATIONS and time.perf_counter() < deadline:
        operation()
        count += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"per_second": count / wall, "per_cpu_second": count / cpu if cpu else 0.0,
            "operations": count}


def measure(seconds: float) -> dict[str, dict[str, float]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signature = key.sign(SIGNING_INPUT, padding.PKCS1v15(), hashes.SHA256())
    public = key.public_key()
    password_hash = HASHER.hash("correct horse battery staple")
    return {
        "rsa_sign": rate(lambda: key.sign(SIGNING_INPUT, padding.PKCS1v15(), hashes.SHA256()),
                         seconds),
        "rsa_verify": rate(lambda: public.verify(signature, SIGNING_INPUT, padding.PKCS1v15(),
                                                 hashes.SHA256()), seconds),
        "argon2_verify": rate(lambda: HASHER.verify(password_hash,
                                                    "correct horse battery staple"), seconds),
    }


if __name__ == "__main__":
    print(json.dumps(measure(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)))
