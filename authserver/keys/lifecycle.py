"""Key states from timestamps alone: next -> active -> retired -> removed.

Every instance that mounts the same keys/ folder computes the same timeline, so they agree
on the signing key at every second without talking to each other:

- keys are ordered by (activates_at, created_at, kid);
- a key signs from its activates_at until the next key in that order activates, or until its
  own retires_at (`keys retire`), whichever comes first: that end is its retirement;
- a key retired before it ever activated (a cancelled next key) never signs;
- a retired key stays published for `retention` seconds (the access token lifetime plus a
  leeway for verifiers' clocks), so every token it signed expires before it leaves /jwks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from .files import SigningKey

DAY = 86_400


@dataclass(frozen=True)
class KeyPolicy:
    """What the settings say about keys; the defaults are those of an unconfigured server."""

    alg: str = "RS256"  # the alg of new keys, so of access tokens once such a key activates
    rsa_bits: int = 2048
    publish_delay: int = 3600  # a new key waits this long (= /jwks max-age) before it signs
    rotation_period: int = 90 * DAY  # how long a key signs before its successor; 0 = never
    retention: int = 900 + 60  # access token TTL + leeway: a retired key's publication time

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> KeyPolicy:
        return cls(alg=config["AUTHSERVER_ACCESS_TOKEN_ALG"],
                   rsa_bits=config["AUTHSERVER_KEY_SIZE"],
                   publish_delay=config["AUTHSERVER_JWKS_MAX_AGE"],
                   rotation_period=round(config["AUTHSERVER_KEY_ROTATION_DAYS"] * DAY),
                   retention=(config["AUTHSERVER_ACCESS_TOKEN_TTL"]
                              + config["AUTHSERVER_KEY_RETENTION_LEEWAY"]))


@dataclass(frozen=True)
class Timeline:
    key: SigningKey
    retires_at: int | None  # when it stops signing; None while nothing is scheduled after it
    removes_at: int | None  # when it leaves /jwks and `keys prune` may delete it

    @property
    def signs(self) -> bool:
        """Whether it signs at all: a key retired before it activated never does."""
        return self.retires_at is None or self.retires_at > self.key.activates_at

    def state(self, now: int) -> str:
        if self.removes_at is not None and now >= self.removes_at:
            return "removed"
        if self.retires_at is not None and now >= self.retires_at:
            return "retired"
        return "next" if now < self.key.activates_at else "active"


def order(key: SigningKey) -> tuple[int, int, str]:
    return (key.activates_at, key.created_at, key.kid)


def timelines(keys: Sequence[SigningKey], retention: int) -> list[Timeline]:
    """The timeline of every key, in activation order."""
    ordered = sorted(keys, key=order)
    signing = [k for k in ordered if k.retires_at is None or k.retires_at > k.activates_at]
    successor = {k.kid: nxt.activates_at for k, nxt in pairwise(signing)}
    result = []
    for key in ordered:
        ends = [t for t in (successor.get(key.kid), key.retires_at) if t is not None]
        retires_at = min(ends) if ends else None
        removes_at = None if retires_at is None else retires_at + retention
        result.append(Timeline(key, retires_at, removes_at))
    return result


def active(lines: Sequence[Timeline], now: int) -> Timeline | None:
    """The one key that signs at `now`, if any."""
    return next((line for line in lines if line.state(now) == "active"), None)


def published(lines: Sequence[Timeline], now: int) -> list[SigningKey]:
    """What /jwks lists: every key but the removed ones (next keys too, before they sign)."""
    return [line.key for line in lines if line.state(now) != "removed"]


def pending_successor(lines: Sequence[Timeline], current: Timeline) -> Timeline | None:
    """The key that will take over from `current`, once one is scheduled."""
    return next((line for line in lines if line.signs
                 and order(line.key) > order(current.key)), None)
