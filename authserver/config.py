"""Settings: defaults, AUTHSERVER_* from the environment, and validation.

Every setting is declared once in SETTINGS, so the README's reference can be checked against
this module. The defaults are safe for the embedded mode (a laptop, SQLite, keys on disk);
production mode refuses the settings that are only acceptable there.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many

from .algorithms import ALGORITHMS


class ConfigError(Exception):
    """A setting is missing or unsafe; the message says which and why."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[str], Any]
    doc: str


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"not an integer: {value!r}") from None


def _positive_int(value: str) -> int:
    number = _int(value)
    if number <= 0:
        raise ValueError("must be a positive integer")
    return number


def _non_negative_int(value: str) -> int:
    number = _int(value)
    if number < 0:
        raise ValueError("must be zero or a positive integer")
    return number


def _non_negative_number(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None
    if not number >= 0 or number == float("inf"):
        raise ValueError("must be zero or a positive number")
    return number


def _rate_limit(value: str) -> str:
    """Flask-Limiter's notation (`10/minute;100/hour`), checked at start-up; `off` = none."""
    if value.strip().lower() == "off":
        return ""
    try:
        parse_many(value)
    except ValueError:
        raise ValueError(f"not a rate limit such as '10/minute': {value!r}") from None
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting("AUTHSERVER_ENV", "development", str,
            "`development` or `production`; production refuses unsafe settings."),
    Setting("AUTHSERVER_ISSUER", "http://127.0.0.1:8000", str,
            "Issuer identifier and public base URL; never taken from the Host header."),
    Setting("AUTHSERVER_DATABASE_URL", None, str,
            "SQLAlchemy URL; default `sqlite:///<instance dir>/authserver.db`."),
    Setting("AUTHSERVER_INSTANCE_DIR", "instance", str,
            "Folder for the SQLite database and the generated dev secret key."),
    Setting("AUTHSERVER_KEYS_DIR", "keys", str, "Folder holding the signing keys (0600)."),
    Setting("AUTHSERVER_SECRET_KEY", None, str,
            "Server secret (refresh-token derivation, sessions). Required in production; "
            "in development one is generated into the instance dir."),
    Setting("AUTHSERVER_ACCESS_TOKEN_TTL", 900, _positive_int, "Access token lifetime (s)."),
    Setting("AUTHSERVER_ACCESS_TOKEN_AUDIENCE", None, str,
            "`aud` of access tokens; default: the issuer."),
    Setting("AUTHSERVER_REFRESH_TOKEN_TTL", 2_592_000, _positive_int,
            "Refresh token idle lifetime (s), renewed on every rotation."),
    Setting("AUTHSERVER_REFRESH_TOKEN_ABSOLUTE_TTL", 7_776_000, _positive_int,
            "Lifetime of a login's refresh-token family (s), whatever its use."),
    Setting("AUTHSERVER_REFRESH_GRACE_SECONDS", 10, _non_negative_int,
            "Window in which the predecessor of the live refresh token may be replayed and "
            "gets the same successor back; 0 = strict rotation."),
    Setting("AUTHSERVER_REFRESH_COOKIE_NAME", None, str,
            "Name of the refresh-token cookie in refresh-cookie mode; default "
            "`__Secure-refresh_token` (`refresh_token` on a loopback http issuer in development)."),
    Setting("AUTHSERVER_AUTHORIZATION_CODE_TTL", 60, _positive_int,
            "Lifetime of an authorization code (s); single use either way."),
    Setting("AUTHSERVER_AUTHORIZATION_REQUEST_TTL", 900, _positive_int,
            "How long a user may take on the login and consent pages before an "
            "authorization request expires (s)."),
    Setting("AUTHSERVER_SESSION_TTL", 36_000, _positive_int,
            "Lifetime of a browser login session at the server (s), for single sign-on at "
            "/authorize; default 10 hours, like Keycloak's SSO Session Max."),
    Setting("AUTHSERVER_SITE_NAME", "authserver", str,
            "Product name shown on the sign-in, consent and logout pages."),
    Setting("AUTHSERVER_JWKS_MAX_AGE", 3600, _positive_int,
            "Cache-Control max-age of /jwks and discovery (s); also how long a new signing "
            "key is published before it signs."),
    Setting("AUTHSERVER_ACCESS_TOKEN_ALG", "RS256", str,
            "Signing algorithm of new keys, so of access tokens: RS256, ES256 or EdDSA."),
    Setting("AUTHSERVER_KEY_SIZE", 2048, _positive_int, "RSA key size for new keys (bits)."),
    Setting("AUTHSERVER_KEY_ROTATION_DAYS", 90, _non_negative_number,
            "Days a key signs before the server rotates to a new one; 0 = never automatically."),
    Setting("AUTHSERVER_KEY_RETENTION_LEEWAY", 60, _non_negative_int,
            "Seconds a retired key stays published beyond the access token TTL."),
    Setting("AUTHSERVER_MAX_BODY_BYTES", 65_536, _positive_int,
            "Largest request body accepted (bytes); larger gets 413."),
    Setting("AUTHSERVER_PASSWORD_MAX_LENGTH", 1024, _positive_int,
            "Longest password accepted (characters), bounding hashing cost."),
    Setting("AUTHSERVER_SCOPES", "openid profile email", str,
            "Space-separated scopes this server knows."),
    Setting("AUTHSERVER_CLIENT_CACHE_SECONDS", 5, _non_negative_int,
            "How long a process keeps a client record in memory (s); client changes take "
            "effect within it. 0 = look the client up on every request."),
    Setting("AUTHSERVER_TRUSTED_PROXIES", 0, _non_negative_int,
            "Number of reverse proxies in front whose X-Forwarded-For (client IP) and "
            "X-Request-Id are trusted; 0 = none (the socket peer is the client)."),
    Setting("AUTHSERVER_REDIS_URL", None, str,
            "Redis URL (`redis://host:6379/0`) for rate-limit and lockout counters shared by "
            "every instance; unset: counters in each worker's memory."),
    Setting("AUTHSERVER_REDIS_KEY_PREFIX", "authserver", str,
            "Prefix of this deployment's keys in Redis, so deployments can share one Redis."),
    Setting("AUTHSERVER_RATE_LIMIT_PER_IP", "300/minute", _rate_limit,
            "Requests per client IP to each protocol endpoint (Flask-Limiter notation, "
            "`;`-separated; `off` = none)."),
    Setting("AUTHSERVER_RATE_LIMIT_PER_CLIENT", "1200/minute", _rate_limit,
            "Requests per client_id presenting a secret to /token, /revoke and /introspect."),
    Setting("AUTHSERVER_RATE_LIMIT_PER_ACCOUNT", "20/minute;100/hour", _rate_limit,
            "Password attempts per account (username), whatever the IP or client."),
    Setting("AUTHSERVER_LOCKOUT_THRESHOLD", 30, _non_negative_int,
            "Failed logins of one account that lock it temporarily (every multiple locks "
            "again, longer); 0 = no lockout."),
    Setting("AUTHSERVER_LOCKOUT_WAIT_INCREMENT", 60, _positive_int,
            "Seconds added to the lockout at each multiple of the threshold."),
    Setting("AUTHSERVER_LOCKOUT_MAX_WAIT", 900, _positive_int,
            "Longest lockout (s): a lockout is never permanent."),
    Setting("AUTHSERVER_LOCKOUT_RESET_AFTER", 43_200, _positive_int,
            "Seconds after an account's first counted failure when its count starts over."),
    Setting("AUTHSERVER_PASSWORD_HASH_CONCURRENCY", None, _positive_int,
            "Password hashes a worker computes at once; default: the number of CPUs."),
    Setting("AUTHSERVER_PASSWORD_HASH_WAIT", 0.5, _non_negative_number,
            "Seconds a login waits for a hashing slot before answering 503."),
    Setting("AUTHSERVER_LOG_LEVEL", "INFO", str, "Log level of the server's loggers."),
    Setting("AUTHSERVER_LOG_FORMAT", "text", str,
            "`text` or `json` (one JSON object per line, for log shippers)."),
    Setting("AUTHSERVER_DB_POOL_SIZE", 5, _positive_int,
            "Connection pool size (PostgreSQL); each worker thread also keeps one connection "
            "of its own for the token endpoint."),
    Setting("AUTHSERVER_SQLITE_CHECKPOINT_SECONDS", 0.25, _non_negative_number,
            "SQLite under `authserver serve`: how often a thread of each worker copies the WAL "
            "back into the database, instead of the request that fills it; 0 = the requests "
            "(SQLite's default)."),
    Setting("AUTHSERVER_DB_TIMEOUT", 5, _positive_int,
            "Seconds to wait for a database connection or lock before failing."),
    Setting("AUTHSERVER_DB_WAIT_SECONDS", 30, _non_negative_int,
            "At start (`serve`, `init`), how long to wait for the database before exiting "
            "non-zero; 0 = one try."),
    Setting("AUTHSERVER_METRICS_NETWORKS", "127.0.0.0/8 ::1/128", str,
            "Client networks (CIDR, space-separated) allowed to read /metrics; "
            "`0.0.0.0/0 ::/0` = any."),
    Setting("AUTHSERVER_METRICS_TOKEN", None, str,
            "When set, /metrics also requires `Authorization: Bearer <token>` (16+ characters)."),
)

LOG_FORMATS = ("text", "json")
RATE_LIMIT_SETTINGS = ("AUTHSERVER_RATE_LIMIT_PER_IP", "AUTHSERVER_RATE_LIMIT_PER_CLIENT",
                       "AUTHSERVER_RATE_LIMIT_PER_ACCOUNT")


def load_config(overrides: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every setting from the environment (or overrides) and validate the result."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            config[setting.name] = overrides.pop(setting.name)
        elif environ.get(setting.name, "") != "":
            try:
                config[setting.name] = setting.parse(environ[setting.name])
            except ValueError as exc:
                raise ConfigError(f"{setting.name}: {exc}") from None
        else:
            config[setting.name] = setting.default
    config.update(overrides)  # plain Flask/Authlib keys, for tests
    _derive(config)
    validate(config)
    return config


def _derive(config: dict[str, Any]) -> None:
    for name in RATE_LIMIT_SETTINGS:  # overrides arrive unparsed: `off` and "" mean none
        try:
            config[name] = _rate_limit(config[name] or "off")
        except ValueError as exc:
            raise ConfigError(f"{name}: {exc}") from None
    config["AUTHSERVER_ISSUER"] = config["AUTHSERVER_ISSUER"].rstrip("/")
    instance = Path(config["AUTHSERVER_INSTANCE_DIR"]).resolve()
    config["AUTHSERVER_INSTANCE_DIR"] = str(instance)
    config["AUTHSERVER_KEYS_DIR"] = str(Path(config["AUTHSERVER_KEYS_DIR"]).resolve())
    if not config["AUTHSERVER_DATABASE_URL"]:
        config["AUTHSERVER_DATABASE_URL"] = f"sqlite:///{instance / 'authserver.db'}"
    config["AUTHSERVER_COOKIE_SECURE"] = not (
        is_loopback_http(config["AUTHSERVER_ISSUER"]) and not is_production(config))
    if not config["AUTHSERVER_REFRESH_COOKIE_NAME"]:
        config["AUTHSERVER_REFRESH_COOKIE_NAME"] = (
            "__Secure-refresh_token" if config["AUTHSERVER_COOKIE_SECURE"] else "refresh_token")
    if not config["AUTHSERVER_ACCESS_TOKEN_AUDIENCE"]:
        config["AUTHSERVER_ACCESS_TOKEN_AUDIENCE"] = config["AUTHSERVER_ISSUER"]
    if not config["AUTHSERVER_SECRET_KEY"] and not is_production(config):
        config["AUTHSERVER_SECRET_KEY"] = _dev_secret_key(instance)
    config["SECRET_KEY"] = config["AUTHSERVER_SECRET_KEY"]
    config["SQLALCHEMY_DATABASE_URI"] = config["AUTHSERVER_DATABASE_URL"]
    config["MAX_CONTENT_LENGTH"] = config["AUTHSERVER_MAX_BODY_BYTES"]
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(config))
    config["AUTHSERVER_METRICS_NETWORK_LIST"] = _networks(config["AUTHSERVER_METRICS_NETWORKS"])


def _networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(part, strict=False)
                     for part in value.replace(",", " ").split())
    except ValueError as exc:
        raise ConfigError(f"AUTHSERVER_METRICS_NETWORKS: {exc}") from None


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """Pool settings: fail fast on a lost database rather than hang a worker.

    Idle connections are pinged before use (extensions.ping_when_idle) to replace those the
    database dropped (a restart, a failover); connect_timeout bounds a connection attempt,
    pool_timeout a wait for a free connection, and tcp_user_timeout a write the database host
    never acknowledges (it vanished from the network), where the kernel would otherwise retry
    for about 15 minutes.
    """
    timeout = config["AUTHSERVER_DB_TIMEOUT"]
    if config["AUTHSERVER_DATABASE_URL"].startswith("sqlite"):
        return {"connect_args": {"timeout": timeout}}
    return {
        "pool_size": config["AUTHSERVER_DB_POOL_SIZE"],
        "pool_timeout": timeout,
        "pool_recycle": 1800,
        "connect_args": {"connect_timeout": timeout, "tcp_user_timeout": timeout * 1000,
                         "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
                         "keepalives_count": 3},
    }


def _dev_secret_key(instance: Path) -> str:
    """Development only: a random secret kept in the instance folder so restarts reuse it."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its secret
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def is_production(config: Mapping[str, Any]) -> bool:
    return config["AUTHSERVER_ENV"] == "production"


def is_loopback_http(url: str) -> bool:
    """True for http URLs on a loopback host: the only http issuer we tolerate."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def validate(config: Mapping[str, Any]) -> None:
    """Refuse configurations that would be unsafe or make the server misbehave."""
    if config["AUTHSERVER_ENV"] not in ("development", "production"):
        raise ConfigError("AUTHSERVER_ENV must be 'development' or 'production'")
    issuer = config["AUTHSERVER_ISSUER"]
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"AUTHSERVER_ISSUER must be an absolute http(s) URL, not {issuer!r}")
    if "?" in issuer or "#" in issuer:  # even empty ones: urlsplit drops a bare "?" or "#"
        raise ConfigError("AUTHSERVER_ISSUER must not have a query or fragment (RFC 8414 §2)")
    if parts.scheme == "http" and not is_loopback_http(issuer):
        raise ConfigError("AUTHSERVER_ISSUER must use https "
                          "(plain http is accepted only on a loopback address, for development)")
    if is_production(config) and not config.get("AUTHSERVER_SECRET_KEY"):
        raise ConfigError("AUTHSERVER_SECRET_KEY is required in production")
    if len(config.get("AUTHSERVER_SECRET_KEY") or "") < 32 and is_production(config):
        raise ConfigError("AUTHSERVER_SECRET_KEY must be at least 32 characters")
    cookie = config["AUTHSERVER_REFRESH_COOKIE_NAME"]
    if cookie.startswith("__Host-"):
        raise ConfigError("AUTHSERVER_REFRESH_COOKIE_NAME: a __Host- cookie must have Path=/, "
                          "but the refresh cookie is scoped to Path=/refresh; use __Secure-")
    if cookie.startswith("__Secure-") and not config["AUTHSERVER_COOKIE_SECURE"]:
        raise ConfigError("AUTHSERVER_REFRESH_COOKIE_NAME: browsers accept __Secure- cookies "
                          "only over https; this issuer is plain http")
    if config["AUTHSERVER_KEY_SIZE"] < 2048:
        raise ConfigError("AUTHSERVER_KEY_SIZE must be at least 2048 (RFC 7518 §3.3)")
    if config["AUTHSERVER_LOG_FORMAT"] not in LOG_FORMATS:
        raise ConfigError(f"AUTHSERVER_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    _validate_metrics(config)
    if config["AUTHSERVER_ACCESS_TOKEN_ALG"] not in ALGORITHMS:
        raise ConfigError(f"AUTHSERVER_ACCESS_TOKEN_ALG must be one of {', '.join(ALGORITHMS)}")


def _validate_metrics(config: Mapping[str, Any]) -> None:
    """/metrics tells who logs in and how often: never open to everyone without a token."""
    token = config["AUTHSERVER_METRICS_TOKEN"]
    if token is not None and len(token) < 16:
        raise ConfigError("AUTHSERVER_METRICS_TOKEN must be at least 16 characters")
    everyone = any(network.prefixlen == 0
                   for network in config["AUTHSERVER_METRICS_NETWORK_LIST"])
    if everyone and token is None and is_production(config):
        raise ConfigError("AUTHSERVER_METRICS_NETWORKS lets any address read /metrics: "
                          "set AUTHSERVER_METRICS_TOKEN too, or narrow the networks")
