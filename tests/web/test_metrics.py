"""/metrics: the counters an operator watches move with what happens, and only the allowed
networks and token may read them (the multi-process case: tests/e2e/test_two_instances.py)."""

from __future__ import annotations

import json
import time

import pytest

from authserver.config import ConfigError, load_config
from tests.conftest import PASSWORD

from .metrics_text import sample

TOKEN = "metrics-token-0123456789"


def scrape(http, **headers: str) -> str:
    response = http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return response.get_data(as_text=True)


def test_tokens_issued_by_grant_and_client_type(http, tokens, machine, spa, alice):
    assert tokens.client_credentials(machine).status_code == 200
    assert tokens.client_credentials(machine).status_code == 200
    login = tokens.login(spa)
    assert login.status_code == 200
    assert tokens.refresh(spa, login.json["refresh_token"]).status_code == 200
    text = scrape(http)
    issued = "authserver_tokens_issued_total"
    assert sample(text, issued, grant="client_credentials", client_type="confidential") == 2
    assert sample(text, issued, grant="password", client_type="public") == 1
    assert sample(text, issued, grant="refresh_token", client_type="public") == 1


def test_token_errors_by_code_with_bounded_labels(http, tokens, machine, spa, alice):
    tokens.post({"grant_type": "client_credentials"}, auth=(machine.client_id, "wrong"))
    tokens.login(spa, password="not the password")
    tokens.post({"grant_type": "made-up-" + "x" * 50, "client_id": spa.client_id})
    text = scrape(http)
    errors = "authserver_token_errors_total"
    assert sample(text, errors, grant="client_credentials", error="invalid_client") == 1
    assert sample(text, errors, grant="password", error="invalid_grant") == 1
    assert sample(text, errors, grant="other", error="unsupported_grant_type") == 1
    assert "made-up" not in text  # a client cannot mint label values
    assert sample(text, "authserver_login_failures_total", via="password_grant") == 1


def test_refresh_reuse_is_counted(http, tokens, spa, alice, frozen_clock):
    first = tokens.login(spa).json["refresh_token"]
    assert tokens.refresh(spa, first).status_code == 200
    frozen_clock.offset += 60  # past the grace window
    assert tokens.refresh(spa, first).json["error"] == "invalid_grant"
    assert sample(scrape(http), "authserver_refresh_reuse_detected_total") == 1


def test_latency_per_endpoint_and_the_active_key_age(http, tokens, machine, keys_dir):
    tokens.client_credentials(machine)
    http.get("/jwks")
    http.get("/no/such/page")
    text = scrape(http)
    count = "authserver_request_duration_seconds_count"
    assert sample(text, count, method="POST", endpoint="/token") == 1
    assert sample(text, count, method="GET", endpoint="/jwks") == 1
    assert sample(text, count, method="GET", endpoint="unmatched") == 1
    (metadata,) = keys_dir.glob("*.json")
    activated = json.loads(metadata.read_text())["activates_at"]
    assert abs(sample(text, "authserver_signing_key_age_seconds") - (time.time() - activated)) < 2
    assert PASSWORD not in text


def test_loopback_only_by_default(app, http):
    assert app.config["AUTHSERVER_METRICS_TOKEN"] is None
    scrape(http)
    other = http.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 403
    assert other.json["error"] == "access_denied"
    assert "authserver_" not in other.get_data(as_text=True)


class TestRestricted:
    @pytest.fixture
    def settings(self, settings: dict) -> dict:
        settings["AUTHSERVER_METRICS_NETWORKS"] = "10.0.0.0/8, 192.0.2.0/24"
        settings["AUTHSERVER_METRICS_TOKEN"] = TOKEN
        return settings

    @pytest.mark.parametrize("address", ["10.1.2.3", "192.0.2.200", "::ffff:10.0.0.1"])
    def test_allowed_networks_with_the_token(self, http, address):
        response = http.get("/metrics", environ_base={"REMOTE_ADDR": address},
                            headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200

    @pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN])
    def test_the_token_is_required(self, http, authorization):
        headers = {"Authorization": authorization} if authorization else {}
        response = http.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                            headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'

    def test_the_token_does_not_open_other_networks(self, http):
        response = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 403  # 127.0.0.1 is not in the list any more


@pytest.mark.parametrize(("settings", "message"), [
    ({"AUTHSERVER_METRICS_NETWORKS": "0.0.0.0/0"}, "any address"),
    ({"AUTHSERVER_METRICS_TOKEN": "short"}, "at least 16"),
    ({"AUTHSERVER_METRICS_NETWORKS": "10.0.0.0/33"}, "AUTHSERVER_METRICS_NETWORKS"),
    ({"AUTHSERVER_LOG_FORMAT": "xml"}, "AUTHSERVER_LOG_FORMAT"),
])
def test_unsafe_or_wrong_settings_are_refused(tmp_path, settings, message):
    production = {"AUTHSERVER_ENV": "production", "AUTHSERVER_SECRET_KEY": "k" * 40,
                  "AUTHSERVER_INSTANCE_DIR": str(tmp_path)}
    with pytest.raises(ConfigError, match=message):
        load_config({**production, **settings})


def test_open_metrics_are_fine_with_a_token(tmp_path):
    config = load_config({"AUTHSERVER_ENV": "production", "AUTHSERVER_SECRET_KEY": "k" * 40,
                          "AUTHSERVER_INSTANCE_DIR": str(tmp_path),
                          "AUTHSERVER_METRICS_NETWORKS": "0.0.0.0/0 ::/0",
                          "AUTHSERVER_METRICS_TOKEN": TOKEN})
    assert len(config["AUTHSERVER_METRICS_NETWORK_LIST"]) == 2
