"""Request ids and client IPs in audit lines: forwarded headers count only behind a
configured number of trusted proxies (DS-04, audit trail)."""

from __future__ import annotations

import json
import logging

import pytest


def audit_lines(caplog: pytest.LogCaptureFixture, event: str) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records
            if r.name == "authserver.audit" and f'"event":"{event}"' in r.getMessage()]


def failed_login(tokens, spa, caplog, headers: dict):
    form = {"grant_type": "password", "client_id": spa.client_id,
            "username": "alice@example.com", "password": "wrong password!"}
    with caplog.at_level(logging.INFO, logger="authserver.audit"):
        response = tokens.post(form, headers=headers)
    assert response.json["error"] == "invalid_grant"
    (line,) = audit_lines(caplog, "login.failed")
    return response, line


def test_every_response_carries_a_fresh_request_id_that_audit_lines_repeat(tokens, spa, alice,
                                                                           caplog):
    forged = {"X-Request-Id": "forged-id", "X-Forwarded-For": "203.0.113.9"}
    response, line = failed_login(tokens, spa, caplog, headers=forged)
    request_id = response.headers["X-Request-Id"]
    assert len(request_id) == 16 and request_id != "forged-id"
    assert line["request_id"] == request_id
    assert line["ip"] == "127.0.0.1"  # no trusted proxy: the forwarded address is ignored
    again = tokens.login(spa, password="wrong password!")
    assert again.status_code == 400
    assert again.headers["X-Request-Id"] != request_id


class TestBehindOneTrustedProxy:
    @pytest.fixture
    def settings(self, settings: dict) -> dict:
        settings["AUTHSERVER_TRUSTED_PROXIES"] = 1
        return settings

    def test_the_proxy_supplies_client_ip_and_request_id(self, tokens, spa, alice, caplog):
        headers = {"X-Request-Id": "lb-7f3a", "X-Forwarded-For": "198.51.100.1, 203.0.113.9"}
        response, line = failed_login(tokens, spa, caplog, headers=headers)
        assert response.headers["X-Request-Id"] == "lb-7f3a"
        # one hop trusted: the address the proxy saw, not what the client claimed before it
        assert line["ip"] == "203.0.113.9" and line["request_id"] == "lb-7f3a"

    def test_a_request_id_unfit_for_logs_is_replaced(self, tokens, spa, alice, caplog):
        response, line = failed_login(tokens, spa, caplog,
                                      headers={"X-Request-Id": "a b\"c" + "x" * 80})
        assert line["request_id"] == response.headers["X-Request-Id"]
        assert len(line["request_id"]) == 16

    def test_the_issuer_never_follows_forwarded_host_headers(self, http):
        forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
                  "Host": "evil.example"}
        metadata = http.get("/.well-known/openid-configuration", headers=forged).json
        assert metadata["issuer"] == "http://127.0.0.1:8000"
        assert all("evil" not in str(value) for value in metadata.values())
