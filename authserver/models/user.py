"""End users who log in with email and password."""

from __future__ import annotations

import unicodedata
import uuid

from sqlalchemy import Boolean, String, bindparam, false, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import hot_path
from .types import BigId, Instant


def normalize_email(email: str) -> str:
    """One spelling per address, applied at creation and at login alike (IV-04)."""
    return unicodedata.normalize("NFKC", email).strip().lower()


class User(db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: the public subject identifier: random, stable, never the email
    sub: Mapped[str] = mapped_column(String(36), unique=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    #: OIDC `email_verified`: set by the operator (`authserver user create --email-verified`)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[int] = mapped_column(Instant)

    @classmethod
    def find_by_email(cls, email: str) -> User | None:
        return db.session.scalar(select(cls).where(cls.email == normalize_email(email)))

    @classmethod
    def find_by_sub(cls, sub: str) -> User | None:
        return db.session.scalar(select(cls).where(cls.sub == sub))

    @staticmethod
    def claims_by_sub(sub: str) -> User | None:
        """The user's claims as a transient User (not in the session, never written), in one
        read on a driver connection (hot_path.read_one), as every /userinfo call asks."""
        row = hot_path.read_one(_CLAIMS, {"sub": sub})
        return None if row is None else User.transient(*row)

    @staticmethod
    def transient(user_id: int, sub: str, email: str, name: str | None,
                  email_verified: bool, disabled: bool) -> User:
        """A user's claims read as plain values (a driver row: SQLite answers booleans as
        0/1) as a User that is not in the session and is never written."""
        return User(id=user_id, sub=sub, email=email, name=name,
                    email_verified=bool(email_verified), disabled=bool(disabled))

    @classmethod
    def create(cls, email: str, password_hash: str, name: str | None, now: int) -> User:
        user = cls(sub=str(uuid.uuid4()), email=normalize_email(email), name=name,
                   password_hash=password_hash, disabled=False, created_at=now)
        db.session.add(user)
        return user

    def get_user_id(self) -> str:
        return self.sub


_USER = User.__table__
_CLAIMS = (select(_USER.c.id, _USER.c.sub, _USER.c.email, _USER.c.name,
                  _USER.c.email_verified, _USER.c.disabled)
           .where(_USER.c.sub == bindparam("sub", type_=String)))
