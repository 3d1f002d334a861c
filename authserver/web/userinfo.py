"""GET/POST /userinfo (OIDC Core §5.3) with RFC 6750 bearer errors.

The 401 invalid_token here is what a first-party frontend reacts to by refreshing.
"""

from __future__ import annotations

from flask import Blueprint, Response

from ..models import User
from ..oauth.claims import user_claims
from .answers import json_answer
from .bearer import bearer_error, require_access_token

bp = Blueprint("userinfo", __name__)


@bp.route("/userinfo", methods=["GET", "POST"])
@require_access_token
def userinfo(claims: dict) -> Response:
    scopes = set(claims.get("scope", "").split())
    if "openid" not in scopes:
        return bearer_error(403, "insufficient_scope", "the openid scope is required",
                            ', scope="openid"')
    user = User.claims_by_sub(claims["sub"])
    if user is None or user.disabled:
        return bearer_error(401, "invalid_token", "access token revoked")
    return json_answer(200, user_claims(user, scopes))
