"""The refresh-token cookie of refresh-cookie mode: HttpOnly, SameSite=Strict, Path=/refresh.

Secure everywhere but on a loopback http issuer in development (the one documented
exception), so the cookie works on http://127.0.0.1 while nothing else can weaken it.
"""

from __future__ import annotations

from flask import Response, current_app, request

PATH = "/refresh"


def cookie_name() -> str:
    return current_app.config["AUTHSERVER_REFRESH_COOKIE_NAME"]


def presented_cookie() -> str | None:
    return request.cookies.get(cookie_name()) or None


def set_refresh_cookie(response: Response, token: str, max_age: int) -> None:
    response.set_cookie(cookie_name(), token, max_age=max_age, path=PATH, httponly=True,
                        secure=current_app.config["AUTHSERVER_COOKIE_SECURE"],
                        samesite="Strict")


def clear_refresh_cookie(response: Response) -> None:
    response.delete_cookie(cookie_name(), path=PATH, httponly=True,
                           secure=current_app.config["AUTHSERVER_COOKIE_SECURE"],
                           samesite="Strict")
