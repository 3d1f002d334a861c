"""ProtocolRequest sets Authlib's request attributes itself (no URL parsing per request):
none may be missing, and an insecure issuer is still refused the way Authlib refuses it."""

from __future__ import annotations

import pytest
from authlib.oauth2.rfc6749 import InsecureTransportError, OAuth2Request
from flask import Flask

from authserver.oauth.request import ProtocolRequest


def test_every_attribute_of_authlibs_request_is_set() -> None:
    with Flask(__name__).test_request_context("/token", method="POST"):
        from flask import request

        ours = ProtocolRequest(request, {"grant_type": "client_credentials"},
                               "https://as.example")
    authlib = OAuth2Request("POST", "https://as.example/token")
    assert set(vars(authlib)) <= set(vars(ours))
    assert ours.uri == "https://as.example/token" and ours.method == "POST"
    assert ours.payload.grant_type == "client_credentials"


@pytest.mark.parametrize("issuer", ["http://as.example", "ftp://127.0.0.1"])
def test_an_insecure_issuer_is_refused(issuer: str, monkeypatch) -> None:
    monkeypatch.delenv("AUTHLIB_INSECURE_TRANSPORT", raising=False)
    with Flask(__name__).test_request_context("/token", method="POST"), \
            pytest.raises(InsecureTransportError):
        from flask import request

        ProtocolRequest(request, {}, issuer)
