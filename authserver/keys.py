"""The only module that reads or writes keys/: the signing key ring and the public JWKS.

Each key is two files: `<kid>.pem` (PKCS#8 private key, mode 0600) and `<kid>.json`
(metadata: alg, created_at, activates_at). The JSON is written last, so a key exists once its
metadata does. A key's state follows from timestamps, so every instance that mounts the same
folder agrees without coordination: `next` until activates_at, then `active` while it is the
newest activated key, then `retired` (still published, no longer signing).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey

MIN_RSA_BITS = 2048
logger = logging.getLogger("authserver.keys")
RELOAD_INTERVAL = 30  # seconds between checks of keys/ for keys added by `keys rotate`


class KeyFolderError(Exception):
    """The key folder cannot be used; the message says what to do."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    created_at: int
    activates_at: int
    size: int
    jwk: RSAKey

    def public_jwk(self) -> dict:
        return {**self.jwk.as_dict(private=False), "kid": self.kid, "use": "sig", "alg": self.alg}

    def state(self, now: int, active_kid: str | None) -> str:
        if self.kid == active_kid:
            return "active"
        return "next" if self.activates_at > now else "retired"


def create_key(keys_dir: Path, now: int, activates_at: int | None = None,
               size: int = MIN_RSA_BITS) -> SigningKey:
    """Generate an RSA key and write it (0600) with its metadata; never overwrites."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    private = rsa.generate_private_key(public_exponent=65537, key_size=size)
    jwk = RSAKey.import_key(private)
    kid = jwk.thumbprint()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    _write_new(keys_dir / f"{kid}.pem", pem, 0o600)
    meta = {"kid": kid, "alg": "RS256", "created_at": now,
            "activates_at": now if activates_at is None else activates_at}
    _write_new(keys_dir / f"{kid}.json", json.dumps(meta, indent=2).encode(), 0o644)
    return _load_one(keys_dir / f"{kid}.json", strict_mode=True)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)  # the umask may have narrowed or the file system widened it


def load_keys(keys_dir: Path, strict_mode: bool) -> list[SigningKey]:
    """Load and check every key; any problem raises KeyFolderError with a clear message (RL-06)."""
    if not keys_dir.is_dir():
        raise KeyFolderError(f"key folder {keys_dir} does not exist: run `authserver init`")
    keys = [_load_one(path, strict_mode) for path in sorted(keys_dir.glob("*.json"))]
    orphans = {p.stem for p in keys_dir.glob("*.pem")} - {k.kid for k in keys}
    if orphans:
        raise KeyFolderError(f"private key without metadata in {keys_dir}: {sorted(orphans)}")
    if not keys:
        raise KeyFolderError(f"no signing key in {keys_dir}: run `authserver init`")
    return sorted(keys, key=lambda k: (k.activates_at, k.created_at))


def _load_one(meta_path: Path, strict_mode: bool) -> SigningKey:
    try:
        meta = json.loads(meta_path.read_text())
        kid, alg = meta["kid"], meta["alg"]
        created_at, activates_at = int(meta["created_at"]), int(meta["activates_at"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyFolderError(f"unreadable key metadata {meta_path}: {exc}") from None
    pem_path = meta_path.with_suffix(".pem")
    if not pem_path.exists():
        raise KeyFolderError(f"missing private key file {pem_path}")
    _check_mode(pem_path, strict_mode)
    try:
        private = serialization.load_pem_private_key(pem_path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFolderError(f"{pem_path} is not a readable private key: {exc}") from None
    if not isinstance(private, rsa.RSAPrivateKey):
        raise KeyFolderError(f"{pem_path} is not an RSA private key")
    if private.key_size < MIN_RSA_BITS:
        raise KeyFolderError(f"{pem_path} is {private.key_size}-bit RSA; 2048 at least needed")
    if alg != "RS256":
        raise KeyFolderError(f"{meta_path}: unsupported alg {alg!r}")
    jwk = RSAKey.import_key(private)
    if jwk.thumbprint() != kid or meta_path.stem != kid:
        raise KeyFolderError(f"{meta_path}: kid does not match the key's RFC 7638 thumbprint")
    return SigningKey(kid, alg, created_at, activates_at, private.key_size, jwk)


def _check_mode(path: Path, strict_mode: bool) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077 and strict_mode:
        raise KeyFolderError(f"{path} is readable by group or others (mode {mode:o}); chmod 600 it")


class KeyRing:
    """Keys loaded once and kept as key objects; re-checks the folder every few seconds."""

    def __init__(self, keys_dir: Path, strict_mode: bool) -> None:
        self.keys_dir = keys_dir
        self.strict_mode = strict_mode
        self._lock = threading.Lock()
        self._checked_at = 0
        self._fingerprint: tuple = ()
        self.keys: list[SigningKey] = []
        self._jwks: tuple[bytes, str] = (b"", "")
        self.reload()

    def _folder_fingerprint(self) -> tuple:
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in self.keys_dir.glob("*.json")))

    def reload(self) -> None:
        keys = load_keys(self.keys_dir, self.strict_mode)
        body = json.dumps({"keys": [k.public_jwk() for k in keys]}, separators=(",", ":"))
        self.keys = keys
        self._jwks = (body.encode(), hashlib.sha256(body.encode()).hexdigest()[:32])
        self._fingerprint = self._folder_fingerprint()

    def refresh(self, now: int) -> None:
        """Pick up keys written by another process (`keys rotate`), at most every 30 s."""
        if now - self._checked_at < RELOAD_INTERVAL:
            return
        with self._lock:
            if now - self._checked_at < RELOAD_INTERVAL:
                return
            self._checked_at = now
            try:
                if self._folder_fingerprint() != self._fingerprint:
                    self.reload()
            except (KeyFolderError, OSError) as exc:
                # a key half-written by `keys rotate`, or a bad file: keep the keys we have
                # (a broken folder is refused at startup) and look again next interval
                logger.error("keys/ changed but cannot be loaded; keeping the loaded keys: %s",
                             exc)

    def active(self, now: int) -> SigningKey:
        self.refresh(now)
        activated = [k for k in self.keys if k.activates_at <= now]
        if not activated:
            raise KeyFolderError("no key is active yet: every key in keys/ activates in the future")
        return activated[-1]

    def jwks(self, now: int) -> tuple[bytes, str]:
        """The public JWKS document and its ETag, precomputed."""
        self.refresh(now)
        return self._jwks

    def find(self, kid: str) -> SigningKey | None:
        return next((k for k in self.keys if k.kid == kid), None)

    def sign(self, claims: dict, typ: str, now: int) -> str:
        key = self.active(now)
        return jwt.encode({"alg": key.alg, "typ": typ, "kid": key.kid}, claims, key.jwk)
