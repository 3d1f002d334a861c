"""Storage only: one module per noun; queries are classmethods, commands are verbs."""

from .client import AUTH_METHODS, Client
from .refresh_token import RefreshToken, RefreshTokenState
from .revoked_access_token import RevokedAccessToken
from .token_family import TokenFamily
from .user import User

__all__ = ["AUTH_METHODS", "Client", "RefreshToken", "RefreshTokenState", "RevokedAccessToken",
           "TokenFamily", "User"]
