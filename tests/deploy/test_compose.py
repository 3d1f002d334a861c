"""docker-compose.yml, deploy/nginx.conf and the Dockerfile, checked without docker: the
topology the README promises is the one the files describe, and every setting and command
they use exists (docker is not available on CI; tests/e2e/test_two_instances.py runs the
same topology with processes)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
import yaml

from authserver.cli import main
from authserver.config import SETTINGS, load_config

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict] = COMPOSE["services"]
NGINX_CONF = (ROOT / "deploy/nginx.conf").read_text()
DOCKERFILE = (ROOT / "Dockerfile").read_text()
KNOWN_SETTINGS = {setting.name for setting in SETTINGS}
#: ${VAR}, ${VAR:-default}, ${VAR:?message}
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def replicas() -> dict[str, dict]:
    return {name: service for name, service in SERVICES.items()
            if service.get("command", [None])[0] == "serve"}


def dockerfile_instruction(name: str) -> list[str]:
    (line,) = re.findall(rf"^{name} (.+)$", DOCKERFILE, re.MULTILINE)
    return json.loads(line)


def parse_cli(args: list[str]) -> click.Context:
    """What `authserver ARGS` would run: the command must exist and accept the options."""
    name, *rest = args
    with click.Context(main) as ctx:
        command = main.get_command(ctx, name)
        assert command is not None, f"`authserver {name}` does not exist"
        return command.make_context(name, rest, parent=ctx)


def sample_environment(environment: dict[str, str]) -> dict[str, str]:
    """The service's environment as compose would give it, with .env.example's names filled."""
    values = {"AUTHSERVER_ISSUER": "https://auth.example.com", "AUTHSERVER_SECRET_KEY": "s" * 48,
              "POSTGRES_PASSWORD": "pw", "AUTHSERVER_METRICS_TOKEN": "", "HTTP_PORT": "8080"}
    return {key: INTERPOLATION.sub(lambda m: values[m.group(1)], str(value))
            for key, value in environment.items()}


def test_every_service_the_app_needs_is_there():
    assert {"postgres", "redis", "init", "nginx"} <= set(SERVICES)
    assert len(replicas()) >= 2


def test_postgres_is_pinned_persistent_and_probed():
    postgres = SERVICES["postgres"]
    assert re.fullmatch(r"postgres:\d+(-[a-z0-9]+)?", postgres["image"]), "pin a major version"
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_every_long_running_service_has_a_healthcheck():
    for name, service in SERVICES.items():
        if name != "init":
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for service in replicas().values():
        assert "/readyz" in " ".join(service["healthcheck"]["test"])


def test_replicas_start_after_init_succeeded_and_the_stores_are_healthy():
    init = SERVICES["init"]
    assert init["command"] == ["init"]
    assert init["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert init.get("restart") == "no"
    for name, service in replicas().items():
        conditions = {dep: spec["condition"] for dep, spec in service["depends_on"].items()}
        assert conditions == {"init": "service_completed_successfully",
                              "postgres": "service_healthy", "redis": "service_healthy"}, name
    nginx_waits = {dep: spec["condition"] for dep, spec in SERVICES["nginx"]["depends_on"].items()}
    assert nginx_waits == dict.fromkeys(replicas(), "service_healthy")


def test_replicas_share_the_keys_volume_read_only_and_init_writes_it():
    (init_keys,) = SERVICES["init"]["volumes"]
    volume, path = init_keys.split(":")
    assert volume in COMPOSE["volumes"]
    for service in replicas().values():
        assert f"{volume}:{path}:ro" in service["volumes"]
        assert service["environment"]["AUTHSERVER_KEYS_DIR"] == path
        # a read-only folder cannot take a new key: rotation is the operator's, via init
        assert service["environment"]["AUTHSERVER_KEY_ROTATION_DAYS"] == "0"


def test_every_authserver_variable_is_a_real_setting_and_the_whole_is_valid():
    for name, service in SERVICES.items():
        environment = service.get("environment", {})
        unknown = {key for key in environment if key.startswith("AUTHSERVER_")} - KNOWN_SETTINGS
        assert not unknown, f"{name} sets variables authserver does not read: {unknown}"
        if name == "init" or name in replicas():
            config = load_config(environ=sample_environment(environment))
            assert config["AUTHSERVER_ENV"] == "production"
            assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_secrets_come_from_the_environment_and_env_example_names_them_all():
    environment = SERVICES["init"]["environment"]
    secret = environment["AUTHSERVER_SECRET_KEY"]
    assert re.fullmatch(r"\$\{AUTHSERVER_SECRET_KEY:\?[^}]+\}", secret), "required, from .env"
    assert "${POSTGRES_PASSWORD:?" in environment["AUTHSERVER_DATABASE_URL"]
    used = set(INTERPOLATION.findall((ROOT / "docker-compose.yml").read_text()))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^(\w+)=", example, re.MULTILINE))
    assert used <= listed, f"missing from .env.example: {used - listed}"
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_nginx_balances_over_exactly_the_replicas():
    (upstream,) = re.findall(r"upstream authserver \{(.*?)\}", NGINX_CONF, re.DOTALL)
    servers = set(re.findall(r"^\s*server ([\w.-]+:\d+)", upstream, re.MULTILINE))
    ports = {parse_cli(service["command"]).params["port"] for service in replicas().values()}
    assert servers == {f"{name}:{port}" for name in replicas() for port in ports}
    assert "proxy_pass http://authserver;" in NGINX_CONF
    mounted = {volume.split(":")[0] for volume in SERVICES["nginx"]["volumes"]}
    assert "./deploy/nginx.conf" in mounted


def test_nginx_hides_metrics_and_logs_no_query_string():
    assert re.search(r"location = /metrics \{\s*return 404;", NGINX_CONF)
    (log_format,) = re.findall(r"log_format authserver (.*?);", NGINX_CONF, re.DOTALL)
    assert "$uri" in log_format
    assert not {"$request ", "$request_uri", "$args", "$query_string"} & set(
        re.findall(r"\$\w+ ?", log_format))


@pytest.mark.parametrize("service", ["init", "authserver-1"])
def test_compose_commands_exist_in_the_cli(service):
    parse_cli(SERVICES[service]["command"])


def test_the_image_runs_authserver_serve_as_a_non_root_user_with_a_healthcheck():
    assert re.search(r"^FROM python:3\.\d+-slim", DOCKERFILE, re.MULTILINE)
    assert dockerfile_instruction("ENTRYPOINT") == ["authserver"]
    command = dockerfile_instruction("CMD")
    assert command[0] == "serve"
    assert parse_cli(command).params["host"] == "0.0.0.0"
    (user,) = re.findall(r"^USER (\S+)$", DOCKERFILE, re.MULTILINE)
    assert user not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", DOCKERFILE, re.MULTILINE)


def test_the_image_gets_the_package_and_its_migrations():
    """What the Dockerfile copies exists, and .dockerignore does not keep it out: the
    migrations stay beside the package (editable install), where `init` looks for them."""
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    copied = [source for line in re.findall(r"^COPY (.+)$", DOCKERFILE, re.MULTILINE)
              for source in line.split()[:-1]]
    assert {"authserver", "migrations", "pyproject.toml", "README.md"} <= set(copied)
    for source in copied:
        assert (ROOT / source).exists(), source
        assert source not in ignored, f"{source} is in .dockerignore"
    assert re.search(r'pip install -e "\.\[postgres\]"', DOCKERFILE)
