"""docker-compose.yml is a production topology that starts: proven without a container engine by
reading it as compose does and running its Realio services with exactly their commands and
environments on loopback (tests/ops/compose.py says how names translate)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from common.config import DEFAULT_SUBGRAPH_PORTS, REPO_ROOT, Settings
from common.migrate import served_subgraphs
from common.serve import WORKER_PORT_STEP, worker_ports
from router.config import RouterSettings
from tests.e2e.test_readme import readme_operations
from tests.ops.compose import (
    COMPOSE_FILE,
    LOCAL_SERVERS,
    LocalNetwork,
    dependencies,
    dockerfile_healthcheck,
    environment,
    is_realio,
    load_compose,
    local_command,
    local_environment,
    local_servers,
    render_nginx_config,
    start_order,
)
from tests.ops.monitoring import PROMETHEUS_CONFIG, metric_families_used
from tests.ops.processes import Child, drop_stack_databases, eventually, start, supervised
from tests.ops.test_ci_workflow import check_builtin_schema
from tests.ops.websocket import me_over_websocket
from tests.support.servers import free_port

SERVICES: dict[str, Any] = load_compose()["services"]
REALIO = {name: s for name, s in SERVICES.items() if is_realio(s)}
ROUTERS = [name for name, s in REALIO.items() if "router" in s.get("command", [])]
STATEFUL = ["postgres", "redis", "kafka", "elasticsearch", "mongodb", "minio", "prometheus"]


def _setting_exists(variable: str) -> bool:
    name = variable.removeprefix("REALIO_").lower()
    if name.split("__")[0] in Settings.model_fields:
        return True
    router = variable.removeprefix("REALIO_ROUTER_").lower().split("__")[0]
    return variable.startswith("REALIO_ROUTER_") and router in RouterSettings.model_fields


def test_the_compose_file_matches_the_compose_specification() -> None:
    result = check_builtin_schema("vendor.compose-spec", COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_realio_variable_in_compose_is_a_setting_the_code_reads() -> None:
    unknown = {
        f"{service}: {variable}"
        for service, spec in SERVICES.items()
        for variable in environment(spec)
        if variable.startswith("REALIO_") and not _setting_exists(variable)
    }
    assert unknown == set()


def test_every_realio_service_environment_parses_as_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, service in REALIO.items():
        with monkeypatch.context() as patch:
            for variable, value in environment(service).items():
                patch.setenv(variable, value)
            settings = Settings(_env_file=None)  # type: ignore[call-arg]
            assert settings.environment == "production", name
            if name in ROUTERS:
                urls = RouterSettings().subgraph_urls
                assert set(urls) == set(served_subgraphs()), name


def _compose_settings(service: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings a compose service's process reads."""
    with monkeypatch.context() as patch:
        for variable, value in environment(SERVICES[service]).items():
            patch.setenv(variable, value)
        return Settings(_env_file=None)  # type: ignore[call-arg]


def test_every_subgraph_runs_in_compose_behind_both_routers_and_is_scraped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scraped = {
        target
        for job in yaml.safe_load(PROMETHEUS_CONFIG.read_text())["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    assert len(ROUTERS) == 2
    for name in served_subgraphs():
        assert name in SERVICES, f"add `{name}: {{<<: *subgraph, command: [...]}}` to compose"
        assert SERVICES[name]["command"] == ["python", "-m", f"subgraphs.{name}"], name
        # Every worker the subgraph's container runs (REALIO_WORKERS, decision 0038) is
        # behind both routers and scraped.
        ports = worker_ports(_compose_settings(name, monkeypatch), name)
        assert ports[0] == DEFAULT_SUBGRAPH_PORTS[name]
        assert len(ports) >= 2, f"compose runs one {name} worker: REALIO_WORKERS is not read"
        urls = ",".join(f"http://{name}:{port}/graphql" for port in ports)
        for router in ROUTERS:
            env = environment(SERVICES[router])
            url = env.get(f"REALIO_ROUTER_SUBGRAPH_URLS__{name.upper()}")
            assert url == urls, f"{router}'s URLs for {name} are not its workers'"
            assert dependencies(SERVICES[router]).get(name) == "service_healthy", router
        for port in ports:
            assert f"{name}:{port}" in scraped, f"deploy/prometheus.yml does not scrape {name}"
    for router in ROUTERS:
        assert f"{router}:4000" in scraped


def free_worker_ports(workers: int) -> int:
    """A free port whose workers' ports (+ 100 × k) are free too."""
    while True:
        port = free_port()
        ports = [port + WORKER_PORT_STEP * index for index in range(workers)]
        if ports[-1] <= 65535 and all(not _in_use(candidate) for candidate in ports):
            return port


def _children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (started by any of its threads)."""
    listed = [
        child
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    alive = []
    for child in map(int, listed):
        try:
            state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(child)
    return alive


def _in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_subgraphs_start_after_the_migration_and_only_on_healthy_servers() -> None:
    assert dependencies(SERVICES["migrate"]) == {"postgres": "service_healthy"}
    assert SERVICES["migrate"]["restart"] == "no"
    for name in served_subgraphs():
        conditions = dependencies(SERVICES[name])
        assert conditions.pop("migrate") == "service_completed_successfully"
        assert set(conditions.values()) == {"service_healthy"}, name
    for name, service in SERVICES.items():
        for dependency, condition in dependencies(service).items():
            if condition == "service_healthy":
                target = SERVICES[dependency]
                assert "healthcheck" in target or is_realio(target), (name, dependency)


def test_every_stateful_server_keeps_its_data_in_a_named_volume() -> None:
    volumes = load_compose()["volumes"]
    for name in [*STATEFUL, "grafana"]:
        named = [v.split(":")[0] for v in SERVICES[name]["volumes"] if not v.startswith(".")]
        assert named and all(v in volumes for v in named), name
    # The signing key is generated once and kept: migrate writes it, users and search read it.
    assert "keys:/keys" in SERVICES["migrate"]["volumes"]
    assert "keys:/keys:ro" in SERVICES["users"]["volumes"]


def test_the_image_runs_as_an_unprivileged_user_with_a_health_check() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert dockerfile_healthcheck() == ["python", "-m", "common.healthcheck"]


def test_nginx_balances_both_routers_and_passes_websocket_upgrades() -> None:
    config = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    for router in ROUTERS:
        assert f"server {router}:4000;" in config
    assert "proxy_set_header Upgrade $http_upgrade;" in config
    assert "proxy_set_header Connection $connection_upgrade;" in config
    assert "proxy_http_version 1.1;" in config


# --- the topology running ------------------------------------------------------------------


async def _healthy(service: str, child: Child, env: dict[str, str], timeout: float) -> None:
    """Poll the image's HEALTHCHECK against the child, as the container engine would."""
    command = local_command(service, dockerfile_healthcheck(), LocalNetwork(Settings(), Path()))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if child.process.returncode is not None:
            raise AssertionError(f"{service} exited:\n{child.output()}")
        check = await asyncio.create_subprocess_exec(
            *command,
            "--pid",
            str(child.process.pid),
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        if await check.wait() == 0:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{service} never became healthy:\n{child.output()}")
        await asyncio.sleep(0.5)  # the health check's interval, as compose polls it


def readme_compose_steps() -> list[tuple[str, list[str]]]:
    """The README's ``docker compose`` lines in order: ``("up", [])`` or ``(SERVICE, COMMAND)``
    for each ``docker compose run --rm SERVICE COMMAND…``."""
    text = (REPO_ROOT / "README.md").read_text()
    steps: list[tuple[str, list[str]]] = []
    for line in re.findall(r"^docker compose (.+?)(?:\s+#.*)?$", text, re.MULTILINE):
        verb, *rest = line.split()
        if verb == "up":
            steps.append(("up", []))
        elif verb == "run" and rest[:1] == ["--rm"]:
            steps.append((rest[1], rest[2:]))
    return steps


def test_the_readme_seeds_the_demo_data_before_the_stack_starts() -> None:
    steps = readme_compose_steps()
    demo = ("migrate", ["python", "-m", "common.migrate", "--demo-data"])
    assert demo in steps and ("up", []) in steps
    assert steps.index(demo) < steps.index(("up", []))


@pytest.mark.timeout(420)
async def test_the_compose_services_start_and_serve_the_readme_through_nginx(
    settings: Settings, tmp_path: Path
) -> None:
    network = LocalNetwork(settings, tmp_path)
    for compose_address, local in local_servers(settings).items():
        network.add_server(compose_address, local)
    # Each subgraph's workers serve on its port + 100 × k (decision 0038), here as in compose.
    workers = len(worker_ports(_compose_settings("users", pytest.MonkeyPatch()), "users"))
    local_ports = {name: free_worker_ports(workers) for name in DEFAULT_SUBGRAPH_PORTS}
    for name, port in DEFAULT_SUBGRAPH_PORTS.items():
        for index in range(workers):
            compose_port = port + WORKER_PORT_STEP * index
            local_port = local_ports[name] + WORKER_PORT_STEP * index
            network.add_server(f"{name}:{compose_port}", f"127.0.0.1:{local_port}")
    for router in ROUTERS:
        network.add_server(f"{router}:4000", f"127.0.0.1:{free_port()}")
    for service in REALIO.values():
        for mount in service.get("volumes", []):
            volume, target = mount.split(":")[:2]
            network.volume(target, volume)
    isolation = {
        "REALIO_SUBGRAPH_PORTS": json.dumps(local_ports),
        "REALIO_DATABASE_PREFIX": f"{settings.database_prefix}compose_",
        "REALIO_REDIS_KEY_PREFIX": f"{settings.redis_key_prefix}compose:",
        "REALIO_DATA_DIR": str(tmp_path / "data"),
        # Every worker of every subgraph shares this machine's Postgres with the test run.
        "REALIO_DATABASE_POOL_SIZE": "2",
    }
    network.note(f"added for this run's isolation: {sorted(isolation)}")

    def env_of(name: str) -> dict[str, str]:
        return local_environment(name, REALIO[name], network, isolation)

    async def run(service: str, command: list[str]) -> None:
        child = await start(
            f"run {service}", local_command(service, command, network), env_of(service)
        )
        children.append(child)
        assert await child.finished(timeout=240) == 0, child.output()

    steps = readme_compose_steps()
    up = steps.index(("up", []))
    async with supervised() as children:
        for service, command in steps[:up]:
            await run(service, command)
        running: dict[str, Child] = {}
        for name in start_order(SERVICES):
            for dependency, condition in dependencies(REALIO[name]).items():
                if dependency in LOCAL_SERVERS:
                    continue
                if dependency not in REALIO:
                    network.note(f"{name}: not waiting for {dependency} (does not run here)")
                elif condition == "service_completed_successfully":
                    code = await running[dependency].finished(timeout=180)
                    assert code == 0, running[dependency].output()
                elif condition == "service_healthy":
                    await _healthy(dependency, running[dependency], env_of(dependency), 120)
            child = await start(
                name, local_command(name, REALIO[name]["command"], network), env_of(name)
            )
            children.append(child)
            running[name] = child
        for router in ROUTERS:
            await _healthy(router, running[router], env_of(router), 120)

        for service, command in steps[up + 1 :]:
            await run(service, command)

        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        nginx_port = free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(
            render_nginx_config(
                (REPO_ROOT / "deploy" / "nginx.conf").read_text(), network, nginx_port, tmp_path
            )
        )
        proxy = await start(
            "nginx", [nginx, "-p", str(tmp_path), "-e", "stderr", "-c", str(conf)], {}
        )
        children.append(proxy)
        base = f"http://127.0.0.1:{nginx_port}"
        await proxy.wait_healthy(f"{base}/nginx-health", timeout=20)

        async with httpx.AsyncClient(timeout=30) as http:
            operations = readme_operations()

            async def indexed() -> bool:
                query = {"query": "{ search(first: 1) { totalCount } }"}
                answer = (await http.post(f"{base}/graphql", json=query)).json()
                return bool(answer.get("data") and answer["data"]["search"]["totalCount"])

            # Search indexes the seeded listings once it runs (events and reconciliation).
            await eventually(indexed, timeout=120, what="search finds the seeded listings")
            signed_in = await http.post(f"{base}/graphql", json={"query": operations["SignIn"]})
            token = signed_in.json()["data"]["login"]["accessToken"]
            home = (
                await http.post(
                    f"{base}/graphql",
                    json={"query": operations["Home"]},
                    headers={"authorization": f"Bearer {token}"},
                )
            ).json()
            assert "errors" not in home, home
            assert home["data"]["me"]["email"] == "buyer@realio.demo"

            families: set[str] = set()
            for job in yaml.safe_load(PROMETHEUS_CONFIG.read_text())["scrape_configs"]:
                if not job["job_name"].startswith("realio"):
                    continue
                targets = [t for static in job["static_configs"] for t in static["targets"]]
                for target in targets:
                    url = network.rewrite(f"http://{target}/metrics")
                    response = await http.get(url)
                    assert response.status_code == 200, (target, response.text)
                    families |= {f.name for f in text_string_to_metric_families(response.text)}
            assert metric_families_used() <= families

        # WebSocket upgrades pass through NGINX, and the router verifies the token in
        # connection_init with the JWKS compose points it at.
        # A subgraph's second worker that dies is started again by the first (decision 0038).
        main = running["properties"].process.pid
        [worker] = _children(main)
        os.kill(worker, signal.SIGKILL)
        worker_health = network.rewrite(
            f"http://properties:{DEFAULT_SUBGRAPH_PORTS['properties'] + WORKER_PORT_STEP}/health"
        )

        async def replaced() -> bool:
            if [pid for pid in _children(main) if pid != worker] == []:
                return False
            async with httpx.AsyncClient(timeout=5) as probe:
                try:
                    return (await probe.get(worker_health)).status_code == 200
                except httpx.HTTPError:
                    return False

        await eventually(replaced, timeout=60, what="the killed worker is started again")

        me = await me_over_websocket(f"ws://127.0.0.1:{nginx_port}/graphql", token)
        assert me == {"data": {"me": {"email": "buyer@realio.demo"}}}
    await drop_stack_databases(settings, isolation["REALIO_DATABASE_PREFIX"])
