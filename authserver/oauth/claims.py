"""One source of user claims by scope, for /userinfo now and id_tokens later."""

from __future__ import annotations

from ..models import User

#: scope -> claims it releases (OIDC Core §5.4)
SCOPE_CLAIMS = {
    "openid": ("sub",),
    "profile": ("name",),
    "email": ("email",),
}


def supported_claims() -> list[str]:
    return sorted({claim for claims in SCOPE_CLAIMS.values() for claim in claims})


def user_claims(user: User, scopes: set[str]) -> dict:
    values = {"sub": user.sub, "name": user.name, "email": user.email}
    released = {claim for scope in scopes for claim in SCOPE_CLAIMS.get(scope, ())}
    return {claim: values[claim] for claim in sorted(released) if values[claim] is not None}
