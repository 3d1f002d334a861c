"""GET /metrics for Prometheus, only for the networks and token the operator allowed.

The numbers say who logs in and how often, so the default is loopback only; behind the
load balancer the scraper reaches each instance directly (README "Metrics").
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST

from ..clock import clock
from ..keys import KeyFolderError
from .answers import error_answer

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics_page() -> Response:
    refused = _refusal()
    if refused is not None:
        return refused
    body = current_app.extensions["authserver.metrics"].exposition(_key_age())
    return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST,
                                   "Cache-Control": "no-store"})


def _refusal() -> Response | None:
    config = current_app.config
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        address = None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # a dual-stack socket's view of an IPv4 client
    if address is None or not any(address in network
                                  for network in config["AUTHSERVER_METRICS_NETWORK_LIST"]):
        return error_answer(403, "access_denied",
                            "this address may not read metrics (AUTHSERVER_METRICS_NETWORKS)")
    expected = config["AUTHSERVER_METRICS_TOKEN"]
    if expected is None:
        return None
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(presented.encode(), expected.encode()):
        return None
    response = error_answer(401, "invalid_token", "metrics need the configured bearer token")
    response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def _key_age() -> float | None:
    keyring = current_app.extensions.get("authserver.keys")
    if keyring is None:
        return None
    now = clock.now()
    try:
        return float(now - keyring.active(now).activates_at)
    except KeyFolderError:
        return None
