"""The only package that reads or writes keys/: the signing key ring and the public JWKS.

`files` reads and writes key files, `lifecycle` derives each key's state (next, active,
retired, removed) from the timestamps in its metadata, `rotation` changes the folder (rotate,
retire, prune). The KeyRing here is what a running server holds: the loaded keys, re-read when
the folder changes, and automatic rotation, checked at start and at every re-read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path

from .files import MIN_RSA_BITS, KeyFolderError, SigningKey, create_key, load_keys
from .jws import sign_jwt
from .lifecycle import KeyPolicy, Timeline, active, published, timelines
from .rotation import rotate_if_due, successor_due

__all__ = ["MIN_RSA_BITS", "KeyFolderError", "KeyPolicy", "KeyRing", "SigningKey",
           "create_key", "load_keys", "reload_interval"]

logger = logging.getLogger("authserver.keys")
RELOAD_INTERVAL = 30  # seconds between checks of keys/ (fewer when the publish delay is short)


def reload_interval(policy: KeyPolicy) -> int:
    """Seconds between looks at keys/: at most half the publish delay, so every instance
    loads a new key well before it activates and all of them switch to it at the same second."""
    return min(RELOAD_INTERVAL, max(1, policy.publish_delay // 2))


class KeyRing:
    """Keys loaded once and kept as key objects; re-checks the folder every few seconds."""

    def __init__(self, keys_dir: Path, strict_mode: bool, policy: KeyPolicy | None = None
                 ) -> None:
        self.keys_dir = keys_dir
        self.strict_mode = strict_mode
        self.policy = policy or KeyPolicy()
        self._lock = threading.Lock()
        self._checked_at = 0
        self._fingerprint: tuple = ()
        self.lines: list[Timeline] = []
        self.keys: list[SigningKey] = []
        self._jwks: tuple[tuple[str, ...], bytes, str] = ((), b"", "")
        self.reload()

    @property
    def reload_interval(self) -> int:
        return reload_interval(self.policy)

    def _folder_fingerprint(self) -> tuple:
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in self.keys_dir.glob("*.json")))

    def reload(self) -> None:
        fingerprint = self._folder_fingerprint()
        lines = timelines(load_keys(self.keys_dir, self.strict_mode), self.policy.retention)
        self.lines, self.keys = lines, [line.key for line in lines]
        self._fingerprint = fingerprint

    def refresh(self, now: int) -> None:
        """Pick up keys written by another process, then rotate if due; at most every
        reload_interval seconds."""
        if now - self._checked_at < self.reload_interval:
            return
        with self._lock:
            if now - self._checked_at < self.reload_interval:
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
        self.rotate_if_due(now)

    def rotate_if_due(self, now: int) -> SigningKey | None:
        """Create the next key when automatic rotation says so (another instance may win)."""
        if successor_due(self.lines, now, self.policy, self.reload_interval) is None:
            return None
        try:
            key = rotate_if_due(self.keys_dir, now, self.policy, self.strict_mode,
                                self.reload_interval)
            if key is not None:  # else another instance won: its key comes with the next look
                with self._lock:
                    self.reload()
        except (KeyFolderError, OSError) as exc:
            logger.error("automatic key rotation failed; the active key keeps signing: %s", exc)
            return None
        return key

    def active(self, now: int) -> SigningKey:
        self.refresh(now)
        line = active(self.lines, now)
        if line is None:
            raise KeyFolderError("no key is active: every key in keys/ activates in the future "
                                 "or is retired")
        return line.key

    def jwks(self, now: int) -> tuple[bytes, str]:
        """The public JWKS document (every key not yet removed) and its ETag."""
        self.refresh(now)
        keys = published(self.lines, now)
        kids = tuple(k.kid for k in keys)
        if self._jwks[0] != kids:
            body = json.dumps({"keys": [k.public_jwk() for k in keys]},
                              separators=(",", ":")).encode()
            self._jwks = (kids, body, hashlib.sha256(body).hexdigest()[:32])
        return self._jwks[1], self._jwks[2]

    def jwks_max_age(self, now: int) -> int:
        """How long a /jwks answer may be cached: until a key this instance has not seen yet
        could start signing. Such a key was written after our last look at the folder and
        waits publish_delay, so the answer ages with that look (-1 s for clock rounding)."""
        return max(0, self.policy.publish_delay - (now - self._checked_at) - 1)

    def algorithms(self, now: int) -> list[str]:
        """The algs of the published keys: exactly those a token of ours may carry."""
        return sorted({key.alg for key in published(self.lines, now)})

    def find(self, kid: str) -> SigningKey | None:
        return next((k for k in self.keys if k.kid == kid), None)

    def sign(self, claims: dict, typ: str, now: int) -> str:
        return sign_jwt(self.active(now), claims, typ)
