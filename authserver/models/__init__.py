"""Storage only: one module per noun; queries are classmethods, commands are verbs."""

from .authorization_code import AuthorizationCode
from .authorization_request import AuthorizationRequest
from .client import AUTH_METHODS, OFFLINE_ACCESS, Client
from .consent import Consent
from .login_session import LoginSession
from .refresh_token import RefreshToken, RefreshTokenState
from .revoked_access_token import RevokedAccessToken
from .token_family import TokenFamily
from .user import User

__all__ = ["AUTH_METHODS", "OFFLINE_ACCESS", "AuthorizationCode", "AuthorizationRequest",
           "Client", "Consent", "LoginSession", "RefreshToken", "RefreshTokenState",
           "RevokedAccessToken",
           "TokenFamily", "User"]
