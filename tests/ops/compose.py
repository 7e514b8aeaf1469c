"""docker-compose.yml read as Docker Compose reads it, and its Realio services run on loopback.

No container engine runs here, so a service runs as a child process with exactly its compose
command and environment, translated the way the compose network would resolve it: service host
names map to 127.0.0.1 and container ports to free local ports, named volumes to temporary
directories, ``python`` to this virtualenv's interpreter. Postgres and Redis are the real local
servers. Adapters whose servers cannot run here (Kafka, Elasticsearch, S3) are dropped from the
environment, and every such change is printed with its reason.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from common.config import REPO_ROOT, Settings

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")
_REQUIRED = re.compile(r"\$\{(\w+):?\?[^}]*\}")
_GENERATED: dict[str, str] = {}


def _generated(name: str) -> str:
    return _GENERATED.setdefault(name, secrets.token_hex(32))


# Settings whose servers cannot run here, and why they are dropped in the local run.
UNAVAILABLE = {
    "REALIO_KAFKA_URL": "no Kafka here: events use the Postgres outbox (the default adapter)",
    "REALIO_ELASTICSEARCH_URL": "no Elasticsearch here: search uses its Postgres index",
    "REALIO_S3_URL": "no S3/minio here: files go to the local directory adapter",
    "REALIO_MONGODB_URL": "no MongoDB here: chat uses its Postgres store",
}
# The services that run here as the real local servers, not as children.
LOCAL_SERVERS = {"postgres", "redis"}


def interpolate(value: Any) -> Any:
    """``${NAME:-default}`` as compose substitutes it when ``NAME`` is unset (the default);
    ``${NAME:?message}`` (required) gets a value generated for this run, as an operator sets."""
    if isinstance(value, str):
        value = _REQUIRED.sub(lambda m: _generated(m.group(1)), value)
        return _INTERPOLATION.sub(lambda m: m.group(2) or "", value)
    if isinstance(value, list):
        return [interpolate(v) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v) for k, v in value.items()}
    return value


def load_compose() -> dict[str, Any]:
    data: dict[str, Any] = interpolate(yaml.safe_load(COMPOSE_FILE.read_text()))
    return data


def is_realio(service: dict[str, Any]) -> bool:
    """A service built from this repository's Dockerfile (a Realio process)."""
    return service.get("build") == "."


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def dependencies(service: dict[str, Any]) -> dict[str, str]:
    """Service name → the condition it waits for (``service_started`` for a plain list)."""
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return {name: "service_started" for name in depends}
    return {name: spec.get("condition", "service_started") for name, spec in depends.items()}


def start_order(services: dict[str, Any]) -> list[str]:
    """Realio services in dependency order (what `docker compose up` starts first, first)."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order or name not in services or not is_realio(services[name]):
            return
        if name in path:
            raise ValueError(f"dependency cycle: {' -> '.join((*path, name))}")
        for dependency in dependencies(services[name]):
            visit(dependency, (*path, name))
        order.append(name)

    for name in services:
        visit(name, ())
    return order


def dockerfile_healthcheck() -> list[str]:
    """The image's HEALTHCHECK command (exec form)."""
    text = (REPO_ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    match = re.search(r"^HEALTHCHECK .*?CMD (\[.*\])\s*$", text, flags=re.MULTILINE)
    if match is None:
        raise AssertionError("the Dockerfile has no HEALTHCHECK … CMD [...]")
    command: list[str] = yaml.safe_load(match.group(1))
    return command


@dataclass
class LocalNetwork:
    """How compose's names and paths translate on this machine."""

    settings: Settings
    workdir: Path
    addresses: dict[str, str] = field(default_factory=dict)  # "users:4001" → "127.0.0.1:N"
    paths: dict[str, Path] = field(default_factory=dict)  # "/keys" → a temporary directory
    notes: list[str] = field(default_factory=list)

    def add_server(self, compose_address: str, local_address: str) -> None:
        self.addresses[compose_address] = local_address

    def volume(self, target: str, name: str) -> Path:
        path = self.paths.setdefault(target, self.workdir / "volumes" / name)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def rewrite(self, value: str) -> str:
        for compose_address, local in self.addresses.items():
            value = value.replace(f"//{compose_address}", f"//{local}")
            value = value.replace(f"@{compose_address}", f"@{local}")
        for target, path in self.paths.items():
            if value == target or value.startswith(f"{target}/"):
                value = str(path) + value[len(target) :]
        return value

    def note(self, text: str) -> None:
        if text in self.notes:
            return
        self.notes.append(text)
        print(f"[compose→local] {text}")


def local_servers(settings: Settings) -> dict[str, str]:
    """compose's Postgres and Redis addresses → the real local servers this test run uses."""
    database = urlsplit(settings.database_url or "postgresql://127.0.0.1:5432/postgres")
    redis = urlsplit(settings.redis_url or "redis://127.0.0.1:6379/0")
    return {
        "postgres:5432": f"{database.hostname}:{database.port or 5432}",
        "redis:6379": f"{redis.hostname}:{redis.port or 6379}",
    }


def render_nginx_config(shipped: str, network: LocalNetwork, port: int, workdir: Path) -> str:
    """deploy/nginx.conf with compose's upstream addresses resolved, listening on ``port``, and
    a process of our own (pid, logs and temporary files under ``workdir``)."""
    config = shipped
    for compose_address, local in network.addresses.items():
        config = config.replace(f"server {compose_address};", f"server {local};")
    if "listen 80;" not in config:
        raise AssertionError("deploy/nginx.conf no longer listens on port 80")
    config = config.replace("listen 80;", f"listen 127.0.0.1:{port};", 1)
    temp = "\n".join(
        f"  {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    logs = f"  access_log {workdir / 'access.log'};"
    config = config.replace("http {\n", f"http {{\n{logs}\n{temp}\n", 1)
    # As root NGINX's workers would switch to "nobody", who cannot use a private temp dir.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"daemon off;\n{user}pid {workdir / 'nginx.pid'};\nerror_log stderr warn;\n" + config


def local_command(name: str, command: list[str], network: LocalNetwork) -> list[str]:
    args = [network.rewrite(str(a)) for a in command]
    if args and args[0] == "python":
        args[0] = sys.executable
    for index, arg in enumerate(args[:-1]):
        if arg == "--port":
            local = network.addresses[f"{name}:{args[index + 1]}"]
            args[index + 1] = local.rsplit(":", 1)[1]
    return args


def local_environment(
    name: str, service: dict[str, Any], network: LocalNetwork, extra: dict[str, str]
) -> dict[str, str]:
    """The service's compose environment as it resolves here, plus the run's isolation."""
    env: dict[str, str] = {}
    for key, value in environment(service).items():
        if key in UNAVAILABLE and value:
            network.note(f"{name}: dropped {key} ({UNAVAILABLE[key]})")
            continue
        env[key] = network.rewrite(value)
    base = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(REPO_ROOT),
        "HOME": os.environ.get("HOME", "/tmp"),
    }
    return {**base, **env, **extra}
