"""RL-07 under load: keys rotate automatically while a real resource server (authserver.resource
in its own gunicorn process) verifies a steady stream of tokens issued by two server instances
that share keys/ and the database. Not one verification may fail, and the two instances must
sign with the same key at every second.

Timeline (T0 = when the first key starts signing; max-age 2 s, rotation every 6 s, access
tokens 2 s, retention leeway 1 s, the resource server's leeway 1 s; instances look at keys/
every second, and rotation is due max-age + 1 s before the period ends):

    before T0   K1 next (published, signs nothing)
    T0          K1 active
    T0+3        K2 created by whichever instance looks first (next, published)
    T0+6        K2 active, K1 retired (still published: its last tokens live until T0+7, and
                the resource server accepts them for 1 s more)
    T0+9        K1 removed from /jwks; K3 created
    T0+12       K3 active, K2 retired
    T0+15       K2 removed; the instances stop; `keys prune` deletes K1 and K2

The resource server refetches an unknown kid only once a minute, so it succeeds only because
every key is published at least one /jwks max-age before it signs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jwt
import pytest
import requests

from authserver.clock import clock
from authserver.keys import KeyPolicy, load_keys
from authserver.keys.files import update_metadata
from authserver.keys.lifecycle import timelines
from authserver.keys.rotation import prune

from .conftest import LiveServer, free_port, start_server, stop_server
from .helpers import TIMEOUT, bearer_challenge, wait_until

REPO = Path(__file__).resolve().parents[2]
AUDIENCE = "https://orders.example.com"
MAX_AGE, ROTATION, TTL, LEEWAY = 2, 6, 2, 1
START_IN = 2  # seconds from scheduling K1 until it signs: every instance has seen it by then
#: an expired token is told so while its key is published; once the key is removed nothing
#: about the token can be trusted any more, not even its exp
EXPIRED, UNKNOWN_KEY = "the access token expired", "unknown signing key"


@pytest.fixture
def keys_dir(keys_dir: Path) -> Path:
    """The template key as a next key, to be scheduled once every process is up."""
    (meta,) = keys_dir.glob("*.json")
    now = clock.now()
    update_metadata(keys_dir, meta.stem, created_at=now, activates_at=now + 3600)
    return keys_dir


@pytest.fixture
def settings(settings: dict) -> dict:
    return settings | {
        "AUTHSERVER_JWKS_MAX_AGE": MAX_AGE, "AUTHSERVER_ACCESS_TOKEN_TTL": TTL,
        "AUTHSERVER_KEY_ROTATION_DAYS": ROTATION / 86_400,
        "AUTHSERVER_KEY_RETENTION_LEEWAY": LEEWAY,
        "AUTHSERVER_ACCESS_TOKEN_AUDIENCE": AUDIENCE,
        "AUTHSERVER_SCOPES": "openid profile email orders:read"}


def start_resource_server(issuer: str, log_path: Path) -> LiveServer:
    port = free_port()
    env = {**os.environ, "RS_ISSUER": issuer, "RS_AUDIENCE": AUDIENCE,
           "RS_LEEWAY": str(LEEWAY), "RS_REFETCH_INTERVAL": "60"}
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--no-control-socket", "tests.resource.rs_app:app"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = LiveServer(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, server.log()
        try:
            requests.get(f"{server.url}/healthz", timeout=1)
            return server
        except requests.RequestException:  # not listening yet, or no worker booted yet
            time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"resource server did not start: {server.log()}")


@pytest.fixture
def processes(app, settings: dict, tmp_path: Path) -> Iterator[tuple[LiveServer, ...]]:
    """Two authorization server instances (one issuer, shared keys/ and database) and the
    resource server."""
    started: list[LiveServer] = []
    # one loopback IP and one machine client stream for the whole rotation: what is under
    # test is the keys, not the rate limits (tests/abuse), so the per-IP and per-client
    # limits are set out of reach
    settings = {**settings, "AUTHSERVER_RATE_LIMIT_PER_IP": "1000000/minute",
                "AUTHSERVER_RATE_LIMIT_PER_CLIENT": "1000000/minute"}
    try:
        started.append(start_server(settings, tmp_path / "as-a.log", 2))
        issuer = started[0].url
        started.append(start_server(settings, tmp_path / "as-b.log", 2,
                                    AUTHSERVER_ISSUER=issuer))
        started.append(start_resource_server(issuer, tmp_path / "rs.log"))
        yield tuple(started)
    finally:
        for server in started:
            stop_server(server)


@dataclass
class Record:
    """What the stream saw."""

    issued: list[tuple[int, str, str, int]] = field(default_factory=list)  # iat, kid, AS, exp
    failures: list[str] = field(default_factory=list)
    old_token_checks: list[tuple[float, str, int]] = field(default_factory=list)  # t, kid, code
    jwks: dict[str, list[tuple[float, tuple[str, ...], str, int]]] = field(
        default_factory=lambda: defaultdict(list))  # AS -> (t, kids, etag, max-age)
    resource_pids: set[int] = field(default_factory=set)
    expired_answers: set[str] = field(default_factory=set)


def stream(instances: dict[str, LiveServer], resource: LiveServer, machine, until: float
           ) -> Record:
    record = Record()
    held: dict[str, tuple[str, int]] = {}  # kid -> its latest token and exp
    names = list(instances)
    with requests.Session() as http:
        turn = 0
        while time.time() < until:
            name = names[turn % 2]
            turn += 1
            answer = http.post(f"{instances[name].url}/token", timeout=TIMEOUT,
                               auth=(machine.client_id, machine.secret),
                               data={"grant_type": "client_credentials", "scope": "orders:read"})
            if answer.status_code != 200:
                record.failures.append(f"{name} /token {answer.status_code} {answer.text}")
                continue
            token = answer.json()["access_token"]
            claims = jwt.decode(token, options={"verify_signature": False})
            kid = jwt.get_unverified_header(token)["kid"]
            record.issued.append((claims["iat"], kid, name, claims["exp"]))
            held[kid] = (token, claims["exp"])
            check(http, resource, token, f"fresh {kid} from {name}", record)
            for old_kid, (old_token, exp) in held.items():
                now = time.time()
                if old_kid != kid and now < exp - 0.3:  # unexpired: must verify
                    code = check(http, resource, old_token, f"held {old_kid}", record)
                    record.old_token_checks.append((now, old_kid, code))
                elif now > exp + LEEWAY + 0.3:  # expired past the leeway: must say so
                    expired(http, resource, old_token, old_kid, record)
            for instance, server in instances.items():
                answer = http.get(f"{server.url}/jwks", timeout=TIMEOUT)
                kids = tuple(key["kid"] for key in answer.json()["keys"])
                max_age = int(answer.headers["Cache-Control"].partition("max-age=")[2])
                record.jwks[instance].append((time.time(), kids, answer.headers["ETag"],
                                              max_age))
    return record


def check(http: requests.Session, resource: LiveServer, token: str, what: str,
          record: Record) -> int:
    answer = http.get(f"{resource.url}/orders", headers={"Authorization": f"Bearer {token}"},
                      timeout=TIMEOUT)
    if answer.status_code != 200:
        record.failures.append(f"{time.time():.2f} {what}: {answer.status_code} "
                               f"{answer.headers.get('WWW-Authenticate')}")
    else:
        record.resource_pids.add(answer.json()["pid"])
    return answer.status_code


def expired(http: requests.Session, resource: LiveServer, token: str, kid: str,
            record: Record) -> None:
    answer = http.get(f"{resource.url}/orders", headers={"Authorization": f"Bearer {token}"},
                      timeout=TIMEOUT)
    description = bearer_challenge(answer).get("error_description", "")
    if answer.status_code != 401 or description not in (EXPIRED, UNKNOWN_KEY):
        record.failures.append(f"expired {kid}: {answer.status_code} "
                               f"{answer.headers.get('WWW-Authenticate')}")
    record.expired_answers.add(description)


def test_rotation_under_load_fails_no_verification(processes, make_client, app,
                                                   keys_dir: Path) -> None:
    server_a, server_b, resource = processes
    machine = make_client("orders job", scope="orders:read")
    (meta,) = keys_dir.glob("*.json")
    t0 = clock.now() + START_IN
    update_metadata(keys_dir, meta.stem, activates_at=t0)  # the instances see it within 1 s
    resource_pid = resource.process.pid
    wait_until(t0)
    end = t0 + 2 * ROTATION + TTL + LEEWAY  # K2 removed; K4 would be due
    record = stream({"A": server_a, "B": server_b}, resource, machine, until=end - 0.1)

    assert record.failures == [], "\n".join(record.failures[:20])
    assert EXPIRED in record.expired_answers
    assert resource.process.poll() is None and resource.process.pid == resource_pid

    # both instances signed with the same key at every second, K1 -> K2 -> K3 on schedule
    by_second: dict[int, set[str]] = defaultdict(set)
    for iat, kid, _, _ in record.issued:
        by_second[iat].add(kid)
    disagreements = {iat: kids for iat, kids in by_second.items() if len(kids) > 1}
    assert not disagreements, disagreements
    order = list(dict.fromkeys(kid for _, kid, _, _ in sorted(record.issued)))
    assert len(order) == 3, order
    metadata = {kid: json.loads((keys_dir / f"{kid}.json").read_text()) for kid in order}
    assert [metadata[kid]["activates_at"] - t0 for kid in order] == [0, ROTATION, 2 * ROTATION]
    for kid in order:
        first = min(iat for iat, k, _, _ in record.issued if k == kid)
        assert first == metadata[kid]["activates_at"]
        assert {name for _, k, name, _ in record.issued if k == kid} == {"A", "B"}
    assert len(record.resource_pids) >= 1  # one resource server process all along

    # no /jwks answer could be cached past the activation of a key it did not list; K1 stayed
    # published until its tokens had expired
    k1_kid, k2_kid, _ = order
    for instance, seen in record.jwks.items():
        for t, kids, _, max_age in seen:
            for kid in set(order) - set(kids):
                if metadata[kid]["activates_at"] > t:
                    assert t + max_age <= metadata[kid]["activates_at"] + 0.5, (instance, kid)
        k1_last_exp = max(exp for _, kid, _, exp in record.issued if kid == k1_kid)
        assert all(k1_kid in kids for t, kids, _, _ in seen if t < k1_last_exp + LEEWAY)
        assert any(k1_kid not in kids for _, kids, _, _ in seen), instance
    etags = {(kids, etag) for seen in record.jwks.values() for _, kids, etag, _ in seen}
    assert len({kids for kids, _ in etags}) == len(etags)  # one ETag per key set, both servers

    # tokens of a retired key were verified after their key stopped signing
    assert any(kid == k1_kid and t >= metadata[k2_kid]["activates_at"] and code == 200
               for t, kid, code in record.old_token_checks)

    # the removed keys are pruned; no instance ever created a second successor
    stop_server(server_a)
    stop_server(server_b)
    wait_until(end)
    assert not list(keys_dir.glob("*.successor-2"))
    policy, now = KeyPolicy.from_config(app.config), clock.now()
    states = {line.key.kid: line.state(now)
              for line in timelines(load_keys(keys_dir, True), policy.retention)}
    assert states == {k1_kid: "removed", k2_kid: "removed", order[2]: "active"}
    assert sorted(prune(keys_dir, now, policy, True)) == sorted([k1_kid, k2_kid])
    assert sorted(p.name for p in keys_dir.iterdir()) == [f"{order[2]}.json", f"{order[2]}.pem"]
