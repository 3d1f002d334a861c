"""The access-token denylist: revoked jtis, each kept only until its token expires."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Index, String, bindparam, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import hot_path
from .token_family import TokenFamily
from .types import Instant


class RevokedAccessToken(db.Model):
    __tablename__ = "revoked_access_token"
    __table_args__ = (Index("ix_revoked_access_token_expires_at", "expires_at"),)

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: the token's own exp: past it the entry is useless and `purge` drops it
    expires_at: Mapped[int] = mapped_column(Instant)

    @classmethod
    def revoke(cls, jti: str, expires_at: int) -> None:
        """Idempotent, also when two requests revoke the same token at once."""
        dialect = db.session.get_bind().dialect.name
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
        db.session.execute(insert(cls).values(jti=jti, expires_at=expires_at)
                           .on_conflict_do_nothing(index_elements=[cls.jti]))

    @staticmethod
    def liveness(jti: str, family_id: str | None) -> Liveness:
        """Whether the jti is revoked and until when its family lives, in one read
        (hot_path.read_one: no session), as every introspection and /userinfo call asks."""
        row = hot_path.read_one(_LIVENESS, {"jti": jti, "family_id": family_id})
        return Liveness(bool(row[0]), row[1])


class Liveness(NamedTuple):
    """What storage says of an access token: its jti revoked, and until when its family
    (login) lives: None when it has none, or none unrevoked."""

    revoked: bool
    family_expires_at: int | None


_REVOKED, _FAMILY = RevokedAccessToken.__table__, TokenFamily.__table__
_LIVENESS = select(
    exists().where(_REVOKED.c.jti == bindparam("jti", type_=String)),
    select(_FAMILY.c.expires_at)
    .where(_FAMILY.c.id == bindparam("family_id", type_=String), _FAMILY.c.revoked_at.is_(None))
    .scalar_subquery(),
)
