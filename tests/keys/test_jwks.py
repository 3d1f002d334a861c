"""GET /jwks through a rotation: Cache-Control max-age, ETag and 304, and the key set at each
state (a next key published before it signs, a retired one until its tokens have expired)."""

from __future__ import annotations

from pathlib import Path

import pytest

from authserver import keys as keys_module
from authserver.keys import create_key

MAX_AGE = 3600
RETENTION = 900 + 60  # access token TTL + AUTHSERVER_KEY_RETENTION_LEEWAY (defaults)


@pytest.fixture
def settings(settings: dict) -> dict:
    """Keys are added by hand here (ES256: instant), so no automatic rotation."""
    return settings | {"AUTHSERVER_KEY_ROTATION_DAYS": 0}


def max_age(response) -> int:
    return response.cache_control.max_age


def kids(response) -> list[str]:
    return [key["kid"] for key in response.json["keys"]]


def test_max_age_counts_down_from_the_last_look_at_the_folder(stopped_clock, http) -> None:
    """A key written just after this instance looked at keys/ signs MAX_AGE later: no answer
    may be cached past that, so max-age shrinks until the next look (-1 s for rounding)."""
    first = http.get("/jwks")
    assert first.cache_control.public and max_age(first) == MAX_AGE - 1
    stopped_clock.offset += 10
    assert max_age(http.get("/jwks")) == MAX_AGE - 11
    stopped_clock.offset += keys_module.RELOAD_INTERVAL - 10  # the next look
    assert max_age(http.get("/jwks")) == MAX_AGE - 1
    discovery = http.get("/.well-known/oauth-authorization-server")
    assert max_age(discovery) == MAX_AGE  # no key in it: the full max-age


def test_etag_and_304_follow_the_key_set(stopped_clock, http, keys_dir: Path) -> None:
    before = http.get("/jwks")
    etag = before.headers["ETag"]
    unchanged = http.get("/jwks", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert max_age(unchanged) == MAX_AGE - 1  # a 304 renews the cache for as long

    now = stopped_clock.now()
    new = create_key(keys_dir, now, activates_at=now + MAX_AGE, alg="ES256")
    stopped_clock.offset += keys_module.RELOAD_INTERVAL
    changed = http.get("/jwks", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert kids(changed) == [*kids(before), new.kid]


def test_a_retired_key_is_published_until_its_last_token_expired(stopped_clock, http,
                                                                 keys_dir: Path) -> None:
    (old,) = kids(http.get("/jwks"))
    now = stopped_clock.now()
    new = create_key(keys_dir, now, activates_at=now + MAX_AGE, alg="ES256")
    stopped_clock.offset += MAX_AGE  # the new key signs from here: the old one is retired
    assert kids(http.get("/jwks")) == [old, new.kid]
    stopped_clock.offset += RETENTION - 1
    assert kids(http.get("/jwks")) == [old, new.kid]
    stopped_clock.offset += 1
    assert kids(http.get("/jwks")) == [new.kid]
