"""RL-07 groundwork: a key written by `keys rotate` (here: create_key) is published at once
but signs only from its activation time; the previous key stays published afterwards."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest

from authserver import keys as keys_module
from authserver.keys import create_key


def signing_kid(tokens, spa) -> str:
    response = tokens.login(spa)
    assert response.status_code == 200, response.json
    return jwt.get_unverified_header(response.json["access_token"])["kid"]


def published(http) -> list[str]:
    response = http.get("/jwks")
    assert response.status_code == 200
    return [k["kid"] for k in response.json["keys"]]


def verify(http, token: str) -> dict:
    """Check the signature against the published JWKS (times are shifted: signature only)."""
    key = jwt.PyJWKSet.from_dict(http.get("/jwks").json)[jwt.get_unverified_header(token)["kid"]]
    return jwt.decode(token, key.key, algorithms=["RS256"],
                      options={"verify_aud": False, "verify_iat": False, "verify_exp": False})


def test_next_key_is_published_before_it_signs(stopped_clock, http, tokens, spa, alice,
                                               keys_dir: Path) -> None:
    old_kid = signing_kid(tokens, spa)
    assert published(http) == [old_kid]
    old_token = tokens.login(spa).json["access_token"]

    now = stopped_clock.now()
    new = create_key(keys_dir, now, activates_at=now + 100)
    stopped_clock.offset += keys_module.RELOAD_INTERVAL  # the ring re-reads the folder

    assert sorted(published(http)) == sorted([old_kid, new.kid])
    assert signing_kid(tokens, spa) == old_kid  # caches must see the key before it signs

    stopped_clock.offset += 100 - keys_module.RELOAD_INTERVAL - 1
    assert signing_kid(tokens, spa) == old_kid
    stopped_clock.offset += 1
    assert signing_kid(tokens, spa) == new.kid

    assert sorted(published(http)) == sorted([old_kid, new.kid])  # the old key stays published
    new_token = tokens.login(spa).json["access_token"]
    assert verify(http, new_token)["sub"] == alice
    assert verify(http, old_token)["sub"] == alice


def test_ring_picks_up_a_new_key_without_restart(stopped_clock, http, tokens, spa, alice,
                                                 keys_dir: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys_module, "RELOAD_INTERVAL", 0)
    old_kid = signing_kid(tokens, spa)
    now = stopped_clock.now()
    new = create_key(keys_dir, now, activates_at=now + 10)
    assert sorted(published(http)) == sorted([old_kid, new.kid])
    assert signing_kid(tokens, spa) == old_kid
    stopped_clock.offset += 10
    assert signing_kid(tokens, spa) == new.kid


def test_folder_is_not_reread_before_the_reload_interval(stopped_clock, http, tokens, spa,
                                                         alice, keys_dir: Path) -> None:
    """The ring does not stat the folder on every request: RELOAD_INTERVAL bounds the I/O."""
    old_kid = signing_kid(tokens, spa)
    now = stopped_clock.now()
    create_key(keys_dir, now, activates_at=now)
    assert published(http) == [old_kid]
    assert signing_kid(tokens, spa) == old_kid


def test_a_half_written_key_does_not_break_a_running_server(stopped_clock, http, tokens, spa,
                                                            alice, keys_dir: Path,
                                                            tmp_path: Path) -> None:
    """`keys rotate` on another instance writes the .pem, then the .json: a reload that
    lands in between must not fail requests; the ring keeps its keys and looks again."""
    old_kid = signing_kid(tokens, spa)
    now = stopped_clock.now()
    staged = create_key(tmp_path / "staging", now, activates_at=now)
    (keys_dir / f"{staged.kid}.pem").write_bytes(
        (tmp_path / "staging" / f"{staged.kid}.pem").read_bytes())  # .json not there yet
    (keys_dir / "being-written.json").write_text("")
    stopped_clock.offset += keys_module.RELOAD_INTERVAL

    assert signing_kid(tokens, spa) == old_kid
    assert published(http) == [old_kid]

    (keys_dir / "being-written.json").unlink()
    (keys_dir / f"{staged.kid}.json").write_bytes(
        (tmp_path / "staging" / f"{staged.kid}.json").read_bytes())
    stopped_clock.offset += keys_module.RELOAD_INTERVAL
    assert sorted(published(http)) == sorted([old_kid, staged.kid])
    assert signing_kid(tokens, spa) == staged.kid
