"""One source of user claims by scope, for /userinfo and id_tokens alike."""

from __future__ import annotations

from ..models import User

#: scope -> claims it releases (OIDC Core §5.4)
SCOPE_CLAIMS = {
    "openid": ("sub",),
    "profile": ("name",),
    "email": ("email", "email_verified"),
}
#: what an id_token of ours carries besides the user's claims (OIDC Core §2)
ID_TOKEN_CLAIMS = ("iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash")


def supported_claims() -> list[str]:
    """claims_supported in discovery: the user claims and the id_token's own."""
    return sorted({claim for claims in SCOPE_CLAIMS.values() for claim in claims}
                  | set(ID_TOKEN_CLAIMS))


def user_claims(user: User, scopes: set[str]) -> dict:
    values = {"sub": user.sub, "name": user.name, "email": user.email,
              "email_verified": bool(user.email_verified)}
    released = {claim for scope in scopes for claim in SCOPE_CLAIMS.get(scope, ())}
    return {claim: values[claim] for claim in sorted(released) if values[claim] is not None}
