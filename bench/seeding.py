"""What the bench needs stored: its clients and user, a pool of live refresh tokens (one
login each, so every request rotates a real token), and background rows that give the
refresh_token table its size.

All in bulk, straight into the tables: N logins through the password grant would cost N
argon2 hashes and measure nothing.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass

from bulk import after_bulk_load, chunks, count, insert_rows
from flask import Flask
from sqlalchemy import delete, select

from authserver.clients import register_client
from authserver.clock import clock
from authserver.crypto import digest, new_token
from authserver.extensions import db
from authserver.models import RefreshToken, TokenFamily, User
from authserver.users import create_user

SCOPE = "openid profile email"
FAMILY_COLUMNS = ("id", "user_id", "client_id", "scope", "auth_time", "created_at", "expires_at")
TOKEN_COLUMNS = ("token_digest", "family_id", "issued_at", "expires_at", "rotated_at")
USER_COLUMNS = ("sub", "email", "name", "password_hash", "disabled", "created_at")
#: background logins per background user
FAMILIES_PER_USER = 10
BLOCK = 50_000


@dataclass(frozen=True)
class Accounts:
    machine_id: str
    machine_secret: str
    spa_id: str
    resource_id: str
    resource_secret: str
    email: str
    password: str
    user_id: int


def seed_accounts(app: Flask) -> Accounts:
    """A client_credentials client, a first-party public client, a resource server and a user."""
    scopes = app.config["AUTHSERVER_SCOPES"].split()
    common = {"scope": None, "server_scopes": scopes, "auth_method": None}
    with app.app_context():
        machine, machine_secret = register_client("bench machine", public=False,
                                                  first_party=False, grant_types=(), **common)
        spa, _ = register_client("bench spa", public=True, first_party=True, grant_types=(),
                                 **common)
        resource, resource_secret = register_client(
            "bench api", public=False, first_party=False, grant_types=(), resource_server=True,
            **common)
        password = new_token()
        user = create_user("bench@example.com", password, "Bench User",
                           app.config["AUTHSERVER_PASSWORD_MAX_LENGTH"])
        db.session.commit()
        return Accounts(machine.client_id, machine_secret, spa.client_id, resource.client_id,
                        resource_secret, user.email, password, user.id)


def _family(family_id: str, user_id: int, client_id: str, now: int, lifetime: int) -> tuple:
    return (family_id, user_id, client_id, SCOPE, now, now, now + lifetime)


def seed_pool(app: Flask, accounts: Accounts, size: int) -> list[str]:
    """`size` live refresh tokens of the first-party client, each starting its own login."""
    config = app.config
    now = clock.now()
    lifetime = config["AUTHSERVER_REFRESH_TOKEN_ABSOLUTE_TTL"]
    expires = now + min(config["AUTHSERVER_REFRESH_TOKEN_TTL"], lifetime)
    tokens = [new_token() for _ in range(size)]
    families = [TokenFamily.new_id() for _ in range(size)]
    with app.app_context():
        insert_rows(TokenFamily.__table__, FAMILY_COLUMNS,
                    (_family(family, accounts.user_id, accounts.spa_id, now, lifetime)
                     for family in families))
        insert_rows(RefreshToken.__table__, TOKEN_COLUMNS,
                    ((digest(token), family, now, expires, None)
                     for token, family in zip(tokens, families, strict=True)))
    return tokens


def forget_pool(app: Flask, tokens: list[str]) -> None:
    """Delete tokens that were never presented (and their logins), so the table keeps its size."""
    token_table, family_table = RefreshToken.__table__, TokenFamily.__table__
    with app.app_context(), db.engine.begin() as connection:
        for digests in chunks(map(digest, tokens), 500):
            families = list(connection.scalars(
                select(token_table.c.family_id).where(token_table.c.token_digest.in_(digests))))
            connection.execute(delete(token_table).where(token_table.c.token_digest.in_(digests)))
            connection.execute(delete(family_table).where(family_table.c.id.in_(families)))


def refresh_token_rows(app: Flask) -> int:
    with app.app_context():
        return count(RefreshToken.__table__)


def seed_background(app: Flask, accounts: Accounts, target_rows: int) -> dict[str, float]:
    """Grow refresh_token to `target_rows`: logins of background users, each with a rotated
    token and its live successor (half the rows rotated, as in a used table)."""
    started = time.perf_counter()
    before = refresh_token_rows(app)
    pairs = -(-max(0, target_rows - before) // 2)  # rounded up: at least target_rows
    with app.app_context():
        with db.engine.connect() as connection:  # not the session: it would hold the lock
            password_hash = connection.scalar(select(User.password_hash)
                                              .where(User.id == accounts.user_id))
        users = _seed_users(password_hash, -(-pairs // FAMILIES_PER_USER))
        for start in range(0, pairs, BLOCK):
            _seed_pairs(users, start, min(BLOCK, pairs - start), accounts.spa_id,
                        app.config["AUTHSERVER_REFRESH_TOKEN_ABSOLUTE_TTL"])
        after_bulk_load([User.__table__, TokenFamily.__table__, RefreshToken.__table__])
    return {"rows_before": before, "rows_after": refresh_token_rows(app),
            "seconds": time.perf_counter() - started}


def _seed_users(password_hash: str, how_many: int) -> list[int]:
    """Background users (never logged in: they share one hash); returns their ids."""
    now = clock.now()
    tag = uuid.uuid4().hex[:8]
    insert_rows(User.__table__, USER_COLUMNS,
                ((str(uuid.uuid4()), f"bg-{tag}-{n}@bench.invalid", None, password_hash, False,
                  now) for n in range(how_many)))
    with db.engine.connect() as connection:
        return list(connection.scalars(select(User.id).where(User.email.like(f"bg-{tag}-%"))
                                       .order_by(User.id)))


def _random_hex(how_many: int, size: int) -> list[str]:
    """`how_many` random hex strings of `size` bytes, sorted: uniform like real digests and
    ids, but inserted in one ordered sweep through each index instead of at random pages."""
    data = os.urandom(how_many * size).hex()
    width = 2 * size
    return sorted(data[n * width:(n + 1) * width] for n in range(how_many))


def _seed_pairs(users: list[int], start: int, how_many: int, client_id: str,
                lifetime: int) -> None:
    """Background tokens are never presented, so random digests stand in for real ones."""
    now = clock.now()
    born = now - 3600
    families = _random_hex(how_many, 16)  # the shape of TokenFamily.new_id()
    insert_rows(TokenFamily.__table__, FAMILY_COLUMNS,
                (_family(family, users[(start + n) // FAMILIES_PER_USER], client_id, born,
                         lifetime) for n, family in enumerate(families)))
    digests = _random_hex(2 * how_many, 32)
    rows = []
    for n, family in enumerate(families):
        rows.append((digests[2 * n], family, born, born + lifetime, now - 1800))
        rows.append((digests[2 * n + 1], family, now - 1800, born + lifetime, None))
    insert_rows(RefreshToken.__table__, TOKEN_COLUMNS, rows)
