"""GET/POST /userinfo (OIDC Core §5.3) with RFC 6750 bearer errors.

The 401 invalid_token here is what a first-party frontend reacts to by refreshing.
"""

from __future__ import annotations

import json

from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749 import OAuth2Error
from flask import Blueprint, Response, current_app, request

from ..clock import clock
from ..models import User
from ..oauth.bearer import InvalidToken, verify_access_token
from ..oauth.claims import user_claims
from ..oauth.params import read_form

bp = Blueprint("userinfo", __name__)
REALM = 'realm="authserver"'


def _answer(status: int, body: dict, challenge: str | None = None) -> Response:
    response = Response(json.dumps(body), status=status, headers=default_json_headers)
    if challenge is not None:
        response.headers["WWW-Authenticate"] = f"Bearer {challenge}"
    return response


def _bearer_error(status: int, error: str, description: str, extra: str = "") -> Response:
    challenge = f'{REALM}, error="{error}", error_description="{description}"{extra}'
    return _answer(status, {"error": error, "error_description": description}, challenge)


def _presented_token() -> str | None:
    """The one token sent; more than one method is invalid_request (RFC 6750 §2)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    found = [value.strip()] if scheme.lower() == "bearer" and value.strip() else []
    if "access_token" in request.args:
        raise OAuth2Error("access tokens in the URL are not accepted", error="invalid_request")
    if request.method == "POST" and request.content_length:
        body_token = read_form(request).get("access_token")
        found += [body_token] if body_token else []
    if len(found) > 1:
        raise OAuth2Error("send the access token one way only", error="invalid_request")
    return found[0] if found else None


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo() -> Response:
    try:
        token = _presented_token()
    except OAuth2Error as error:
        return _answer(400, {"error": error.error, "error_description": error.description})
    if token is None:
        return _answer(401, {}, REALM)
    config = current_app.config
    try:
        claims = verify_access_token(token, current_app.extensions["authserver.keys"],
                                     config["AUTHSERVER_ISSUER"],
                                     config["AUTHSERVER_ACCESS_TOKEN_AUDIENCE"], clock.now())
    except InvalidToken as exc:
        return _bearer_error(401, "invalid_token", str(exc))
    scopes = set(claims.get("scope", "").split())
    if "openid" not in scopes:
        return _bearer_error(403, "insufficient_scope", "the openid scope is required",
                             ', scope="openid"')
    user = User.find_by_sub(claims["sub"])
    if user is None or user.disabled:
        return _bearer_error(401, "invalid_token", "access token revoked")
    return _answer(200, user_claims(user, scopes))
