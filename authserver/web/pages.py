"""Headers every HTML page of ours carries (HD-02, AZ-15), and the one way pages render."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, render_template

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src 'self'; form-action 'self'{targets}; base-uri 'none'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"


def secure_page(response: Response, form_targets: Sequence[str] = ()) -> Response:
    """form_targets: where the answer to a form of the page may finally send the browser.

    Browsers apply `form-action` to every redirect that follows a form POST, so the sign-in
    and consent forms, whose answers end at the client's redirect_uri, must name it.
    """
    sources = [source for source in map(csp_source, form_targets) if source]
    response.headers.update({
        "Content-Security-Policy": CSP.format(targets="".join(f" {s}" for s in sources)),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    })
    # RFC 6797 §7.2: meaningful only over https; a loopback http issuer must not pin itself
    if current_app.config["AUTHSERVER_ISSUER"].startswith("https://"):
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def csp_source(uri: str) -> str | None:
    """The CSP source expression that allows `uri`: its origin (browsers ignore the path
    after a redirect), or its scheme for a native app's private-use scheme."""
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https") and parts.hostname:
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    if re.fullmatch(r"[a-z][a-z0-9+.-]*", parts.scheme) and parts.scheme not in (
            "javascript", "data", "blob", "filesystem"):
        return f"{parts.scheme}:"
    return None


def render_page(template: str, status: int = 200, form_targets: Sequence[str] = (),
                **context: Any) -> Response:
    """An HTML page from authserver/templates, with the headers above."""
    html = render_template(template, site_name=current_app.config["AUTHSERVER_SITE_NAME"],
                           **context)
    return secure_page(Response(html, status=status, mimetype="text/html"), form_targets)
