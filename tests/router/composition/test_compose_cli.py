"""``python -m router compose``: files, running subgraphs, --check and error output."""

from __future__ import annotations

import io
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from strawberry.asgi import GraphQL

from router.composition.cli import main
from tests.router.composition.fixtures import FIXTURES, reference_supergraph
from tests.router.composition.strawberry_subgraphs import properties_schema, users_schema


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue()


def write_config(schema_dir: Path, urls: dict[str, str]) -> None:
    lines = [f'[subgraphs.{name}]\nrouting_url = "{url}"\n' for name, url in urls.items()]
    (schema_dir / "subgraphs.toml").write_text("\n".join(lines))


@pytest.fixture
def keys_schema_dir(tmp_path: Path) -> Path:
    for name in ("billing", "catalog", "users"):
        shutil.copy(FIXTURES / "keys" / f"{name}.graphql", tmp_path / f"{name}.graphql")
    write_config(
        tmp_path,
        {n: f"http://{n}.test/graphql" for n in ("billing", "catalog", "users", "search")},
    )
    return tmp_path


def test_composes_the_configured_subgraphs_and_skips_missing_sdl(keys_schema_dir: Path) -> None:
    code, output = run(["--schema-dir", str(keys_schema_dir)])

    assert code == 0
    assert "skipping subgraph search" in output
    assert (keys_schema_dir / "supergraph.graphql").read_text() == reference_supergraph("keys")


def test_routing_url_is_overridden_from_the_environment(
    keys_schema_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REALIO_SUBGRAPH_USERS_URL", "http://users.internal:9000/graphql")

    assert run(["--schema-dir", str(keys_schema_dir)])[0] == 0

    supergraph = (keys_schema_dir / "supergraph.graphql").read_text()
    assert (
        'USERS @join__graph(name: "users", url: "http://users.internal:9000/graphql")' in supergraph
    )


def test_check_passes_when_up_to_date_and_fails_with_a_diff_on_drift(keys_schema_dir: Path) -> None:
    assert run(["--schema-dir", str(keys_schema_dir)])[0] == 0
    assert run(["--schema-dir", str(keys_schema_dir), "--check"])[0] == 0

    users = keys_schema_dir / "users.graphql"
    users.write_text(
        users.read_text().replace("  name: String!\n", "  name: String!\n  age: Int\n", 1)
    )
    code, output = run(["--schema-dir", str(keys_schema_dir), "--check"])

    assert code == 1
    assert "+  age: Int @join__field(graph: USERS)" in output


def test_errors_are_printed_one_per_line_with_exit_code_1(tmp_path: Path) -> None:
    case = FIXTURES / "error-invalid-field-sharing"
    code, output = run(
        [
            "--subgraph", f"users={case / 'users.graphql'}",
            "--subgraph", f"profiles={case / 'profiles.graphql'}",
            "--out", str(tmp_path / "supergraph.graphql"),
        ]
    )  # fmt: skip

    assert code == 1
    assert output.splitlines() == [
        'INVALID_FIELD_SHARING: Non-shareable field "User.name" is resolved from multiple '
        'subgraphs: it is resolved from subgraphs "profiles" and "users" and defined as '
        "non-shareable in all of them"
    ]
    assert not (tmp_path / "supergraph.graphql").exists()


@pytest.fixture
def running_subgraphs() -> Iterator[dict[str, str]]:
    """The Strawberry subgraphs served over real HTTP on free loopback ports."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []
    urls: dict[str, str] = {}
    for name, schema in (("users", users_schema()), ("properties", properties_schema())):
        # A listening socket bound before the server runs: requests queue until it serves.
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        server = uvicorn.Server(uvicorn.Config(GraphQL(schema), log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        servers.append((server, thread))
        urls[name] = f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
    yield urls
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


def test_from_running_reads_service_sdl_and_refreshes_the_files(
    tmp_path: Path, running_subgraphs: dict[str, str]
) -> None:
    write_config(tmp_path, running_subgraphs)

    code, output = run(["--schema-dir", str(tmp_path), "--from-running"])

    assert code == 0, output
    assert (tmp_path / "users.graphql").read_text() == users_schema().as_str() + "\n"
    supergraph = (tmp_path / "supergraph.graphql").read_text()
    assert f'url: "{running_subgraphs["properties"]}"' in supergraph
    assert 'owner: User! @join__field(graph: PROPERTIES, provides: "name")' in supergraph


def test_subgraph_given_by_url_is_fetched_from_the_running_server(
    tmp_path: Path, running_subgraphs: dict[str, str]
) -> None:
    argv = [f"--subgraph={name}={url}" for name, url in running_subgraphs.items()]
    code, _ = run([*argv, "--out", str(tmp_path / "out.graphql")])

    assert code == 0
    assert "type Property" in (tmp_path / "out.graphql").read_text()


def test_unreachable_subgraph_is_reported_by_name(tmp_path: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more

    code, output = run([f"--subgraph=users=http://127.0.0.1:{port}/graphql"])

    assert code == 1
    assert output.startswith("error: [users] cannot read _service { sdl }")
