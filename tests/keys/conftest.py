"""Helpers that write key folders by hand, as an operator or a broken volume might."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from joserfc.jwk import ECKey, OKPKey, RSAKey

from authserver.clock import clock


def write_key(folder: Path, private: PrivateKeyTypes, kid: str | None = None,
              stem: str | None = None, **meta: object) -> str:
    """Write `<stem>.pem` (0600) and `<stem>.json` the way create_key does; returns the kid.

    Any kind of key (RSA unless told otherwise by `alg=`), whatever alg the metadata claims.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # joserfc warns about the weak keys written on purpose
        warnings.simplefilter("ignore")
        jwk = (RSAKey if isinstance(private, rsa.RSAPrivateKey) else
               ECKey if isinstance(private, ec.EllipticCurvePrivateKey) else OKPKey)
        kid = kid or jwk.import_key(private).thumbprint()
    stem = stem or kid
    pem = folder / f"{stem}.pem"
    pem.write_bytes(private.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    pem.chmod(0o600)
    now = clock.now()
    document = {"kid": kid, "alg": "RS256", "created_at": now - 60, "activates_at": now - 60}
    (folder / f"{stem}.json").write_text(json.dumps(document | meta))
    return kid


def snapshot(folder: Path) -> dict[str, bytes] | None:
    """Every file and its content, to prove nothing was generated or rewritten."""
    if not folder.exists():
        return None
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="session")
def rsa_1024() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


@pytest.fixture(scope="session")
def rsa_2048() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def stopped_clock(frozen_clock, monkeypatch: pytest.MonkeyPatch):
    """frozen_clock that does not tick by itself: only `offset` moves it, to the second."""
    start = int(time.time())
    monkeypatch.setattr(frozen_clock, "now", lambda: start + frozen_clock.offset)
    return frozen_clock
