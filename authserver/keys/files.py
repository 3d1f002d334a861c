"""Key files: `<kid>.pem` (PKCS#8 private key, mode 0600) and `<kid>.json` (metadata).

The metadata holds the alg and the timestamps every state is derived from (created_at,
activates_at, and retires_at once `keys retire` has set it). A new key's JSON is written last
and with O_EXCL, so a key exists once its metadata does and nothing is ever overwritten.
Loading is strict (RL-06): anything unexpected is refused with a message, never repaired.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc.jwk import ECKey, OKPKey, RSAKey

from ..algorithms import DEFAULT_ALGORITHM

MIN_RSA_BITS = 2048
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
JWK = RSAKey | ECKey | OKPKey


class KeyFolderError(Exception):
    """The key folder cannot be used; the message says what to do."""


@dataclass(frozen=True)
class KeyKind:
    """How to make and recognise the private key an algorithm needs."""

    description: str
    generate: Callable[[int], PrivateKey]
    fits: Callable[[object], bool]
    jwk: type[JWK]


KINDS: dict[str, KeyKind] = {
    "RS256": KeyKind("an RSA", lambda bits: rsa.generate_private_key(65537, bits),
                     lambda key: isinstance(key, rsa.RSAPrivateKey), RSAKey),
    "ES256": KeyKind("a P-256 (EC)", lambda _: ec.generate_private_key(ec.SECP256R1()),
                     lambda key: isinstance(key, ec.EllipticCurvePrivateKey)
                     and isinstance(key.curve, ec.SECP256R1), ECKey),
    "EdDSA": KeyKind("an Ed25519", lambda _: ed25519.Ed25519PrivateKey.generate(),
                     lambda key: isinstance(key, ed25519.Ed25519PrivateKey), OKPKey),
}


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    created_at: int
    activates_at: int
    retires_at: int | None  # set by `keys retire`; otherwise its successor's activation ends it
    size: int
    jwk: JWK

    def public_jwk(self) -> dict:
        return {**self.jwk.as_dict(private=False), "kid": self.kid, "use": "sig", "alg": self.alg}


def create_key(keys_dir: Path, now: int, activates_at: int | None = None,
               size: int = MIN_RSA_BITS, alg: str = DEFAULT_ALGORITHM) -> SigningKey:
    """Generate a key for `alg` and write it (0600) with its metadata; never overwrites."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    kind = KINDS[alg]
    private = kind.generate(size)
    kid = kind.jwk.import_key(private).thumbprint()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    write_new(keys_dir / f"{kid}.pem", pem, 0o600)
    meta = {"kid": kid, "alg": alg, "created_at": now,
            "activates_at": now if activates_at is None else activates_at}
    write_new(keys_dir / f"{kid}.json", json.dumps(meta, indent=2).encode(), 0o644)
    return load_one(keys_dir / f"{kid}.json", strict_mode=True)


def write_new(path: Path, data: bytes, mode: int) -> None:
    """Create `path` exclusively (O_EXCL): FileExistsError if another process was first."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)  # the umask may have narrowed or the file system widened it


def update_metadata(keys_dir: Path, kid: str, **fields: int) -> None:
    """Change timestamps of a key: a new metadata file renamed over the old one (atomic)."""
    meta_path = keys_dir / f"{kid}.json"
    meta = json.loads(meta_path.read_text()) | fields
    fd, staged = tempfile.mkstemp(dir=keys_dir, prefix=f".{kid}.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(meta, handle, indent=2)
    os.chmod(staged, 0o644)
    os.replace(staged, meta_path)


def load_keys(keys_dir: Path, strict_mode: bool) -> list[SigningKey]:
    """Load and check every key; any problem raises KeyFolderError with a clear message (RL-06)."""
    if not keys_dir.is_dir():
        raise KeyFolderError(f"key folder {keys_dir} does not exist: run `authserver init`")
    _finish_interrupted_removals(keys_dir)
    keys = []
    for meta_path in sorted(keys_dir.glob("*.json")):
        try:
            keys.append(load_one(meta_path, strict_mode))
        except KeyFolderError:
            if meta_path.exists() and not _being_removed(keys_dir, meta_path.stem):
                raise  # broken, not vanished under a concurrent removal
    pems = {p.stem for p in keys_dir.glob("*.pem")} - {k.kid for k in keys}
    orphans = {kid for kid in pems
               if (keys_dir / f"{kid}.pem").exists() and not _being_removed(keys_dir, kid)}
    if orphans:
        raise KeyFolderError(f"private key without metadata in {keys_dir}: {sorted(orphans)}")
    if not keys:
        raise KeyFolderError(f"no signing key in {keys_dir}: run `authserver init`")
    return keys


def load_one(meta_path: Path, strict_mode: bool) -> SigningKey:
    try:
        meta = json.loads(meta_path.read_text())
        kid, alg = meta["kid"], meta["alg"]
        created_at, activates_at = int(meta["created_at"]), int(meta["activates_at"])
        retires_at = None if meta.get("retires_at") is None else int(meta["retires_at"])
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
    kind = KINDS.get(alg) if isinstance(alg, str) else None
    if kind is None:
        raise KeyFolderError(f"{meta_path}: unsupported alg {alg!r} "
                             f"(supported: {', '.join(KINDS)})")
    if not kind.fits(private):
        raise KeyFolderError(f"{pem_path} is not {kind.description} private key, as {alg} needs")
    size = private.key_size if hasattr(private, "key_size") else 256  # Ed25519: 256 bits
    if alg == "RS256" and size < MIN_RSA_BITS:
        raise KeyFolderError(f"{pem_path} is {size}-bit RSA; {MIN_RSA_BITS} at least needed")
    jwk = kind.jwk.import_key(private)
    if jwk.thumbprint() != kid or meta_path.stem != kid:
        raise KeyFolderError(f"{meta_path}: kid does not match the key's RFC 7638 thumbprint")
    return SigningKey(kid, alg, created_at, activates_at, retires_at, size, jwk)


def _check_mode(path: Path, strict_mode: bool) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077 and strict_mode:
        raise KeyFolderError(f"{path} is readable by group or others (mode {mode:o}); chmod 600 it")


def remove_files(keys_dir: Path, kid: str) -> None:
    """Delete a key so that every instance reading the folder meanwhile, or after a crash,
    sees either the whole key or no key.

    The metadata is first renamed to a `<kid>.removed` tombstone (atomic: the key leaves the
    set at once), then the private key goes, then the tombstone. A private key left beside
    its tombstone by a crash is deleted by the next load (_finish_interrupted_removals).
    Several instances pruning at once (cron everywhere) is safe: every step tolerates a
    step another process already took.
    """
    tombstone = keys_dir / f"{kid}.removed"
    with contextlib.suppress(FileNotFoundError):  # another process was first, or a crash
        os.replace(keys_dir / f"{kid}.json", tombstone)
    (keys_dir / f"{kid}.pem").unlink(missing_ok=True)
    for claim in keys_dir.glob(f"{kid}.successor-*"):
        claim.unlink(missing_ok=True)
    tombstone.unlink(missing_ok=True)


def _being_removed(keys_dir: Path, kid: str) -> bool:
    """A key another process is removing right now (see remove_files)."""
    return (keys_dir / f"{kid}.removed").exists()


def _finish_interrupted_removals(keys_dir: Path) -> None:
    for tombstone in keys_dir.glob("*.removed"):
        remove_files(keys_dir, tombstone.stem)
