"""load_config: the safe defaults of DESIGN.md, and the settings production must refuse."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from authserver.config import ConfigError, load_config

LONG_SECRET = "s" * 48


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment with nothing but private folders: never the developer's instance/."""
    return {"AUTHSERVER_INSTANCE_DIR": str(tmp_path / "instance"),
            "AUTHSERVER_KEYS_DIR": str(tmp_path / "keys")}


@pytest.fixture
def production(env: dict[str, str]) -> dict[str, str]:
    return env | {"AUTHSERVER_ENV": "production", "AUTHSERVER_SECRET_KEY": LONG_SECRET,
                  "AUTHSERVER_ISSUER": "https://auth.example.com"}


def refused(environ: dict[str, str], *words: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(environ=environ)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    return message


def test_defaults_match_the_design(env: dict[str, str], tmp_path: Path) -> None:
    config = load_config(environ=env)
    assert config["AUTHSERVER_ENV"] == "development"
    assert config["AUTHSERVER_ISSUER"] == "http://127.0.0.1:8000"
    assert config["AUTHSERVER_ACCESS_TOKEN_TTL"] == 900
    assert config["AUTHSERVER_REFRESH_TOKEN_TTL"] == 2_592_000
    assert config["AUTHSERVER_REFRESH_TOKEN_ABSOLUTE_TTL"] == 7_776_000
    assert config["AUTHSERVER_REFRESH_GRACE_SECONDS"] == 10
    assert config["AUTHSERVER_KEY_SIZE"] == 2048
    assert config["AUTHSERVER_ACCESS_TOKEN_AUDIENCE"] == config["AUTHSERVER_ISSUER"]
    database = tmp_path / "instance" / "authserver.db"
    assert config["AUTHSERVER_DATABASE_URL"] == f"sqlite:///{database}"
    assert config["SQLALCHEMY_DATABASE_URI"] == config["AUTHSERVER_DATABASE_URL"]


def test_environment_values_are_parsed(env: dict[str, str]) -> None:
    config = load_config(environ=env | {"AUTHSERVER_ACCESS_TOKEN_TTL": "60",
                                        "AUTHSERVER_REFRESH_GRACE_SECONDS": "0"})
    assert config["AUTHSERVER_ACCESS_TOKEN_TTL"] == 60
    assert config["AUTHSERVER_REFRESH_GRACE_SECONDS"] == 0  # 0 = strict rotation


def test_overrides_win_over_the_environment(env: dict[str, str]) -> None:
    config = load_config({"AUTHSERVER_ACCESS_TOKEN_TTL": 30},
                         environ=env | {"AUTHSERVER_ACCESS_TOKEN_TTL": "60"})
    assert config["AUTHSERVER_ACCESS_TOKEN_TTL"] == 30


@pytest.mark.parametrize(("name", "value"), [
    ("AUTHSERVER_ACCESS_TOKEN_TTL", "abc"),
    ("AUTHSERVER_ACCESS_TOKEN_TTL", "-5"),
    ("AUTHSERVER_ACCESS_TOKEN_TTL", "0"),
    ("AUTHSERVER_ACCESS_TOKEN_TTL", "1.5"),
    ("AUTHSERVER_REFRESH_TOKEN_TTL", "ten"),
    ("AUTHSERVER_REFRESH_TOKEN_ABSOLUTE_TTL", "-1"),
    ("AUTHSERVER_REFRESH_GRACE_SECONDS", "-1"),
    ("AUTHSERVER_JWKS_MAX_AGE", "soon"),
    ("AUTHSERVER_DB_POOL_SIZE", "0"),
])
def test_unparsable_numbers_are_refused_naming_the_variable(
        env: dict[str, str], name: str, value: str) -> None:
    refused(env | {name: value}, name)


def test_rsa_keys_below_2048_bits_are_refused(env: dict[str, str]) -> None:
    refused(env | {"AUTHSERVER_KEY_SIZE": "1024"}, "AUTHSERVER_KEY_SIZE", "2048")


def test_unknown_mode_is_refused(env: dict[str, str]) -> None:
    refused(env | {"AUTHSERVER_ENV": "prod"}, "AUTHSERVER_ENV")


# -- issuer --------------------------------------------------------------------------------

@pytest.mark.parametrize("issuer", [
    "http://127.0.0.1:8000", "http://localhost:5000", "http://[::1]:8000", "http://127.0.0.2",
])
def test_http_loopback_issuer_is_accepted(env: dict[str, str], issuer: str) -> None:
    assert load_config(environ=env | {"AUTHSERVER_ISSUER": issuer})["AUTHSERVER_ISSUER"] == issuer


@pytest.mark.parametrize("issuer", [
    "http://auth.example.com", "http://10.0.0.5:8000", "http://0.0.0.0:8000",
    "http://localhost.example.com",
])
def test_non_loopback_http_issuer_is_refused_even_in_development(
        env: dict[str, str], issuer: str) -> None:
    refused(env | {"AUTHSERVER_ISSUER": issuer}, "AUTHSERVER_ISSUER", "https")


def test_non_loopback_http_issuer_is_refused_in_production(production: dict[str, str]) -> None:
    refused(production | {"AUTHSERVER_ISSUER": "http://auth.example.com"},
            "AUTHSERVER_ISSUER", "https")


@pytest.mark.parametrize("issuer", [
    "https://auth.example.com?tenant=a", "https://auth.example.com/#top",
    "https://auth.example.com/?", "https://auth.example.com#",
])
def test_issuer_with_query_or_fragment_is_refused(env: dict[str, str], issuer: str) -> None:
    refused(env | {"AUTHSERVER_ISSUER": issuer}, "AUTHSERVER_ISSUER", "query or fragment")


@pytest.mark.parametrize("issuer", ["auth.example.com", "ftp://auth.example.com", "https://"])
def test_issuer_must_be_an_absolute_http_url(env: dict[str, str], issuer: str) -> None:
    refused(env | {"AUTHSERVER_ISSUER": issuer}, "AUTHSERVER_ISSUER")


def test_https_issuer_is_accepted_in_production(production: dict[str, str]) -> None:
    config = load_config(environ=production)
    assert config["AUTHSERVER_ISSUER"] == "https://auth.example.com"
    assert config["SECRET_KEY"] == LONG_SECRET


def test_http_loopback_issuer_is_accepted_in_production(production: dict[str, str]) -> None:
    """DESIGN: production refuses an http issuer *that is not loopback*."""
    load_config(environ=production | {"AUTHSERVER_ISSUER": "http://127.0.0.1:8000"})


@pytest.mark.parametrize(("given", "kept"), [
    ("https://auth.example.com/", "https://auth.example.com"),
    ("https://example.com/auth/", "https://example.com/auth"),
    ("https://example.com/auth", "https://example.com/auth"),
])
def test_issuer_is_normalised_once_without_trailing_slash(
        env: dict[str, str], given: str, kept: str) -> None:
    config = load_config(environ=env | {"AUTHSERVER_ISSUER": given})
    assert config["AUTHSERVER_ISSUER"] == kept
    assert config["AUTHSERVER_ACCESS_TOKEN_AUDIENCE"] == kept


# -- secret key ----------------------------------------------------------------------------

def test_production_requires_a_secret_key(production: dict[str, str], tmp_path: Path) -> None:
    del production["AUTHSERVER_SECRET_KEY"]
    refused(production, "AUTHSERVER_SECRET_KEY", "required")
    assert not (tmp_path / "instance" / "secret_key").exists()  # never generated there


def test_production_refuses_a_short_secret_key(production: dict[str, str]) -> None:
    refused(production | {"AUTHSERVER_SECRET_KEY": "s" * 31}, "AUTHSERVER_SECRET_KEY", "32")


def test_development_generates_a_private_secret_key_and_reuses_it(
        env: dict[str, str], tmp_path: Path) -> None:
    first = load_config(environ=env)
    path = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first["SECRET_KEY"]) >= 32
    assert path.read_text().strip() == first["SECRET_KEY"]
    again = load_config(environ=env)
    assert again["SECRET_KEY"] == first["SECRET_KEY"]


def test_development_uses_a_given_secret_key_without_writing_one(
        env: dict[str, str], tmp_path: Path) -> None:
    config = load_config(environ=env | {"AUTHSERVER_SECRET_KEY": "given"})
    assert config["SECRET_KEY"] == "given"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_number_errors_read_as_a_sentence(env: dict[str, str]) -> None:
    message = refused(env | {"AUTHSERVER_ACCESS_TOKEN_TTL": "abc"})
    assert message == "AUTHSERVER_ACCESS_TOKEN_TTL: not an integer: 'abc'"
