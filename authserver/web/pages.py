"""Headers every HTML page of ours carries (HD-02, AZ-15), and the one way pages render."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, render_template

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"


def secure_page(response: Response) -> Response:
    response.headers.update({
        "Content-Security-Policy": CSP,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    })
    # RFC 6797 §7.2: meaningful only over https; a loopback http issuer must not pin itself
    if current_app.config["AUTHSERVER_ISSUER"].startswith("https://"):
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def render_page(template: str, status: int = 200, **context: Any) -> Response:
    """An HTML page from authserver/templates, with the headers above."""
    html = render_template(template, site_name=current_app.config["AUTHSERVER_SITE_NAME"],
                           **context)
    return secure_page(Response(html, status=status, mimetype="text/html"))
