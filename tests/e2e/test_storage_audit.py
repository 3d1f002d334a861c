"""ST-01, ST-05 over real HTTP: after every kind of flow this branch serves (logins good and
bad, lockout, rate limiting, refresh, reuse, revocation, introspection, userinfo, machine
tokens, purge), no raw password, secret or token is in any table, in the server's log
(DEBUG, access log included) or in the Redis counters."""

from __future__ import annotations

import base64

import requests
from redis import Redis

from authserver.clients import register_client
from authserver.extensions import db
from tests.abuse.conftest import redis_available, redis_test_settings
from tests.conftest import PASSWORD, Registered, backends
from tests.storage.dump import dump_tables

from .helpers import TIMEOUT, assert_not_logged, frontend_session, login, machine_session, refresh

WRONG = ["hunter2-wrong-password", "hunter3-unknown-user", "hunter4-while-locked"]


def redis_keys(settings: dict[str, str]) -> list[str]:
    client = Redis.from_url(settings["AUTHSERVER_REDIS_URL"])
    return [key.decode() for key in client.keys(settings["AUTHSERVER_REDIS_KEY_PREFIX"] + "*")]


@backends
def test_nothing_secret_in_tables_logs_or_counters(serve, app, spa, machine, alice):
    redis = redis_test_settings() if redis_available() else {}  # Redis checked when present
    with app.app_context():
        client, secret = register_client("resource api", public=False, first_party=False,
                                         grant_types=(), scope=None, resource_server=True,
                                         server_scopes=app.config["AUTHSERVER_SCOPES"].split(),
                                         auth_method=None)
        db.session.commit()
        api = Registered(client.client_id, secret)
    server = serve(AUTHSERVER_LOG_LEVEL="DEBUG", AUTHSERVER_LOCKOUT_THRESHOLD=2,
                   AUTHSERVER_RATE_LIMIT_PER_ACCOUNT="5/minute", **redis)
    token = f"{server.url}/token"

    first = login(frontend_session(spa), server)
    second = refresh(server, spa, first["refresh_token"]).json()
    machine_token = machine_session(machine).fetch_token(token, grant_type="client_credentials")
    active = requests.post(f"{server.url}/introspect", data={"token": second["access_token"]},
                           auth=(api.client_id, api.secret), timeout=TIMEOUT)
    assert active.json()["active"] is True
    assert requests.get(f"{server.url}/userinfo", timeout=TIMEOUT, headers={
        "Authorization": f"Bearer {second['access_token']}"}).status_code == 200
    assert requests.post(f"{server.url}/revoke", timeout=TIMEOUT, data={
        "client_id": spa.client_id, "token": second["access_token"]}).status_code == 200
    attempts = [requests.post(token, timeout=TIMEOUT, data={
        "grant_type": "password", "client_id": spa.client_id, "password": password,
        "username": "nobody@example.com" if "unknown" in password else "alice@example.com"})
        for password in WRONG + [PASSWORD] * 3]
    assert [a.status_code for a in attempts] == [400] * 5 + [429]  # locked, then throttled
    reuse = refresh(server, spa, first["refresh_token"])  # replayed after the grace window?
    assert reuse.status_code in (200, 400)
    assert requests.post(f"{server.url}/revoke", timeout=TIMEOUT, data={
        "client_id": spa.client_id, "token": second["refresh_token"]}).status_code == 200

    values = {
        "password": PASSWORD, **{f"wrong{i}": w for i, w in enumerate(WRONG)},
        "machine_secret": machine.secret, "api_secret": api.secret,
        "rt1": first["refresh_token"], "rt2": second["refresh_token"],
        "at1": first["access_token"], "at2": second["access_token"],
        "at_machine": machine_token["access_token"],
        "at_signature": second["access_token"].rsplit(".", 1)[1],
        "basic_api": base64.b64encode(f"{api.client_id}:{api.secret}".encode()).decode(),
    }
    stored = repr(dump_tables(app))
    leaked = sorted(name for name, value in values.items() if value in stored)
    assert not leaked, f"stored in clear: {leaked}"
    if redis:
        keys = "\n".join(redis_keys(redis))
        assert keys, "no counters in Redis: nothing was checked"
        assert "alice" not in keys and "nobody" not in keys  # account names are keyed hashes
        assert not [name for name, value in values.items() if value in keys]
    assert_not_logged(server, **values, email="alice@example.com")
