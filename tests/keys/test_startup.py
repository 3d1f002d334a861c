"""RL-06, ST-04: a missing or broken key folder stops the server with a clear message; a key
is never generated behind the operator's back (every replica and restart would differ)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from authserver import create_app
from authserver.config import ConfigError
from authserver.keys import KeyFolderError

from .conftest import snapshot, write_key

REPO = Path(__file__).resolve().parents[2]


def only_key(folder: Path) -> tuple[Path, Path]:
    (meta,) = folder.glob("*.json")
    return meta, meta.with_suffix(".pem")


def truncate_pem(folder: Path) -> None:
    _, pem = only_key(folder)
    data = pem.read_bytes()
    pem.write_bytes(data[: len(data) // 2])


def public_key_in_place(folder: Path) -> None:
    _, pem = only_key(folder)
    private = serialization.load_pem_private_key(pem.read_bytes(), password=None)
    pem.write_bytes(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def drop_metadata(folder: Path) -> None:
    only_key(folder)[0].unlink()


def drop_private_key(folder: Path) -> None:
    only_key(folder)[1].unlink()


def wrong_kid_in_metadata(folder: Path) -> None:
    meta, _ = only_key(folder)
    document = json.loads(meta.read_text())
    meta.write_text(json.dumps(document | {"kid": "not-the-thumbprint"}))


def duplicate_under_another_name(folder: Path) -> None:
    """The same key twice (a copy left by hand): two entries claiming one kid."""
    meta, pem = only_key(folder)
    shutil.copy(pem, folder / "copy.pem")
    shutil.copy(meta, folder / "copy.json")


def unreadable_metadata(folder: Path) -> None:
    only_key(folder)[0].write_text("{not json")


def unsupported_alg(folder: Path) -> None:
    meta, _ = only_key(folder)
    meta.write_text(json.dumps(json.loads(meta.read_text()) | {"alg": "none"}))


def ec_key_in_place(folder: Path) -> None:
    _, pem = only_key(folder)
    pem.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


BROKEN: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated PEM": (truncate_pem, "not a readable private key"),
    "public key instead of private": (public_key_in_place, "not a readable private key"),
    "EC key instead of RSA": (ec_key_in_place, "not an RSA private key"),
    "pem without json": (drop_metadata, "without metadata"),
    "json without pem": (drop_private_key, "missing private key file"),
    "kid is not the thumbprint": (wrong_kid_in_metadata, "thumbprint"),
    "duplicate kid": (duplicate_under_another_name, "thumbprint"),
    "unreadable metadata": (unreadable_metadata, "unreadable key metadata"),
    "unsupported alg": (unsupported_alg, "unsupported alg"),
}


def refuses_to_start(settings: dict, folder: Path, *words: str) -> None:
    before = snapshot(folder)
    with pytest.raises(KeyFolderError) as caught:
        create_app(settings)
    for word in words:
        assert word in str(caught.value), caught.value
    assert snapshot(folder) == before, "the key folder changed after a failed start"


def test_a_valid_folder_starts(settings: dict) -> None:
    assert create_app(settings).extensions["authserver.keys"].keys


def test_missing_folder_is_refused(settings: dict, tmp_path: Path) -> None:
    folder = tmp_path / "no-such-folder"
    refuses_to_start(settings | {"AUTHSERVER_KEYS_DIR": str(folder)},
                     folder, "does not exist", "authserver init")


def test_empty_folder_is_refused(settings: dict, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    refuses_to_start(settings | {"AUTHSERVER_KEYS_DIR": str(folder)},
                     folder, "no signing key", "authserver init")


@pytest.mark.parametrize("case", BROKEN)
def test_broken_key_is_refused(settings: dict, keys_dir: Path, case: str) -> None:
    damage, message = BROKEN[case]
    damage(keys_dir)
    refuses_to_start(settings, keys_dir, message)


def test_rsa_1024_is_refused(settings: dict, tmp_path: Path, rsa_1024) -> None:
    folder = tmp_path / "weak"
    write_key(folder, rsa_1024)  # correct thumbprint and metadata: only the size is wrong
    refuses_to_start(settings | {"AUTHSERVER_KEYS_DIR": str(folder)}, folder, "1024", "2048")


def test_one_bad_key_among_good_ones_is_refused(settings: dict, keys_dir: Path,
                                                rsa_1024) -> None:
    write_key(keys_dir, rsa_1024)
    refuses_to_start(settings, keys_dir, "1024")


def test_hand_written_2048_key_is_accepted(settings: dict, tmp_path: Path, rsa_2048) -> None:
    """The helper writes keys the way create_key does, so the refusals above are meaningful."""
    folder = tmp_path / "by-hand"
    kid = write_key(folder, rsa_2048)
    assert [k.kid for k in create_app(settings | {"AUTHSERVER_KEYS_DIR": str(folder)})
            .extensions["authserver.keys"].keys] == [kid]


@pytest.fixture
def production(settings: dict) -> dict:
    return settings | {"AUTHSERVER_ENV": "production", "AUTHSERVER_SECRET_KEY": "p" * 48,
                       "AUTHSERVER_ISSUER": "https://auth.example.com"}


def test_production_starts_with_a_0600_key(production: dict) -> None:
    create_app(production)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_production_refuses_a_private_key_readable_by_others(
        production: dict, keys_dir: Path, mode: int) -> None:
    only_key(keys_dir)[1].chmod(mode)
    refuses_to_start(production, keys_dir, "chmod 600")


# -- through a real process ------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_with_an_empty_key_folder_exits_with_a_clear_message(
        settings: dict, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHSERVER_")}
    env |= {k: str(v) for k, v in settings.items()} | {"AUTHSERVER_KEYS_DIR": str(folder)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "authserver", "serve", "--port", str(free_port())],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=30)
    assert time.monotonic() - started < 15
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "no signing key" in output and "authserver init" in output, output
    assert "Traceback" not in output, output
    assert list(folder.iterdir()) == []


# -- EC and Ed25519 keys (AUTHSERVER_ACCESS_TOKEN_ALG=ES256 or EdDSA) --------------------------

@pytest.mark.parametrize(("alg", "private"), [
    ("ES256", lambda: ec.generate_private_key(ec.SECP256R1())),
    ("EdDSA", ed25519.Ed25519PrivateKey.generate)])
def test_ec_and_ed25519_keys_start(settings: dict, tmp_path: Path, alg: str, private) -> None:
    folder = tmp_path / alg
    kid = write_key(folder, private(), alg=alg)
    ring = create_app(settings | {"AUTHSERVER_KEYS_DIR": str(folder),
                                  "AUTHSERVER_ACCESS_TOKEN_ALG": alg}).extensions[
        "authserver.keys"]
    assert [(k.kid, k.alg, k.size) for k in ring.keys] == [(kid, alg, 256)]


@pytest.mark.parametrize(("alg", "private", "message"), [
    ("ES256", lambda: ec.generate_private_key(ec.SECP384R1()), "not a P-256 (EC) private key"),
    ("ES256", lambda: ec.generate_private_key(ec.SECP256K1()), "not a P-256 (EC) private key"),
    ("ES256", lambda: rsa.generate_private_key(65537, 2048), "not a P-256 (EC) private key"),
    ("EdDSA", ed448.Ed448PrivateKey.generate, "not an Ed25519 private key"),
    ("EdDSA", lambda: ec.generate_private_key(ec.SECP256R1()), "not an Ed25519 private key"),
    ("RS256", ed25519.Ed25519PrivateKey.generate, "not an RSA private key"),
])
def test_a_key_of_the_wrong_kind_for_its_alg_is_refused(settings: dict, tmp_path: Path,
                                                        alg: str, private, message: str) -> None:
    folder = tmp_path / "wrong-kind"
    write_key(folder, private(), alg=alg)
    refuses_to_start(settings | {"AUTHSERVER_KEYS_DIR": str(folder)}, folder, message)


@pytest.mark.parametrize(("alg", "private"), [
    ("ES256", lambda: ec.generate_private_key(ec.SECP256R1())),
    ("EdDSA", ed25519.Ed25519PrivateKey.generate)])
@pytest.mark.parametrize("case", ["truncated PEM", "public key instead of private",
                                  "duplicate kid", "kid is not the thumbprint"])
def test_broken_ec_and_ed25519_keys_are_refused(settings: dict, tmp_path: Path, alg: str,
                                                private, case: str) -> None:
    folder = tmp_path / "broken"
    write_key(folder, private(), alg=alg)
    damage, message = BROKEN[case]
    damage(folder)
    refuses_to_start(settings | {"AUTHSERVER_KEYS_DIR": str(folder)}, folder, message)


def test_an_unknown_signing_alg_setting_is_refused(settings: dict) -> None:
    for alg in ("HS256", "none", "PS256", "ed25519"):
        with pytest.raises(ConfigError, match="AUTHSERVER_ACCESS_TOKEN_ALG"):
            create_app(settings | {"AUTHSERVER_ACCESS_TOKEN_ALG": alg})
