"""Column types shared by the models."""

from sqlalchemy import BigInteger, Integer

#: BIGINT on PostgreSQL, INTEGER on SQLite (where only INTEGER PRIMARY KEY autoincrements).
BigId = BigInteger().with_variant(Integer, "sqlite")

#: Instants are integer seconds since the epoch (UTC), always computed by the app clock.
Instant = BigInteger
