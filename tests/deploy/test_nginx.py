"""deploy/nginx.conf, run by a real nginx in front of two real instances, as compose runs it
(the replicas' names become loopback ports). Skipped without the nginx binary, unless
AUTHSERVER_NGINX_TESTS=required (set by .ci/run, which installs nginx): then it fails."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import LiveServer, free_port
from tests.e2e.helpers import TIMEOUT

from .test_compose import NGINX_CONF, replicas

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


@pytest.fixture(autouse=True)
def _nginx_installed() -> None:
    if NGINX is None:
        if os.environ.get("AUTHSERVER_NGINX_TESTS") == "required":
            pytest.fail("nginx is not installed; AUTHSERVER_NGINX_TESTS=required", pytrace=False)
        pytest.skip("nginx is not installed")


def render(instances: list[LiveServer], port: int, access_log: Path) -> str:
    """The repository's site config with this machine's addresses in place of compose's."""
    site = NGINX_CONF.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("access_log /dev/stdout", f"access_log {access_log}")
    for name, instance in zip(sorted(replicas()), instances, strict=True):
        site = site.replace(f"server {name}:8000", f"server {instance.url.removeprefix('http://')}")
    return site


@pytest.fixture
def balancer(serve, tmp_path: Path) -> Iterator[tuple[str, list[LiveServer], Path]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    instances = [serve(workers=1, AUTHSERVER_ISSUER=url, AUTHSERVER_TRUSTED_PROXIES=1)
                 for _ in replicas()]
    access_log = tmp_path / "nginx-access.log"
    (tmp_path / "site.conf").write_text(render(instances, port, access_log))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/nginx-error.log;\ndaemon off;\n"
        f"events {{}}\nhttp {{ client_body_temp_path {tmp_path}/body; "
        f"proxy_temp_path {tmp_path}/proxy; include {tmp_path}/site.conf; }}\n")
    nginx = subprocess.Popen([NGINX, "-c", str(tmp_path / "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_for(url, nginx)
        yield url, instances, access_log
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


def _wait_for(url: str, nginx: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert nginx.poll() is None, "nginx exited"
        try:
            requests.get(f"{url}/healthz", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("nginx did not start")


def served_by(instance: LiveServer) -> set[str]:
    return set(re.findall(r" id=(\S+)", instance.log()))


def test_nginx_balances_over_both_instances_with_its_request_ids(balancer):
    url, instances, access_log = balancer
    ids = [requests.get(f"{url}/jwks?probe=not-for-logs", timeout=TIMEOUT).headers["X-Request-Id"]
           for _ in range(6)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids)  # nginx's
    seen = [served_by(instance) & set(ids) for instance in instances]
    assert all(seen), "every replica takes requests"
    assert set.union(*seen) == set(ids) and sum(map(len, seen)) == len(ids)
    assert set(ids) <= set(re.findall(r"id=(\S+)", access_log.read_text()))
    logs = access_log.read_text() + "".join(instance.log() for instance in instances)
    assert "not-for-logs" not in logs


def test_the_client_cannot_forge_its_address_through_nginx(balancer, spa, alice):
    url, instances, _ = balancer
    response = requests.post(f"{url}/token", headers={"X-Forwarded-For": "203.0.113.9"},
                             data={"grant_type": "password", "client_id": spa.client_id,
                                   "username": "alice@example.com", "password": "wrong!"},
                             timeout=TIMEOUT)
    assert response.status_code == 400
    request_id = response.headers["X-Request-Id"]
    (line,) = [line for instance in instances for line in instance.log().splitlines()
               if '"login.failed"' in line and request_id in line]
    assert '"ip":"127.0.0.1"' in line and "203.0.113.9" not in line


def test_metrics_are_not_published_through_nginx(balancer):
    url, instances, _ = balancer
    assert requests.get(f"{url}/metrics", timeout=TIMEOUT).status_code == 404
    direct = requests.get(f"{instances[0].url}/metrics", timeout=TIMEOUT)
    assert direct.status_code == 200 and "authserver_signing_key_age_seconds" in direct.text
