"""``python -m router compose``: compose the subgraphs into ``schema/supergraph.graphql``.

By default the subgraph list comes from ``schema/subgraphs.toml`` and each SDL from
``schema/<name>.graphql`` (a subgraph without that file is skipped, with a line saying so).
``--from-running`` asks each running subgraph for ``_service { sdl }`` and refreshes the file.
``--subgraph NAME=URL_OR_FILE`` composes the given subgraphs instead. ``--check`` compares with
the existing output file and exits 1 with a diff when they differ. Exit code 1 on errors.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import TextIO

from router.composition.compose import compose
from router.composition.model import SubgraphDefinition
from router.composition.sources import (
    SourceError,
    definition_from_file,
    env_url_name,
    fetch_sdl,
    read_config,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m router compose", description=__doc__)
    parser.add_argument(
        "--subgraph",
        action="append",
        default=[],
        metavar="NAME=URL_OR_FILE",
        help="a subgraph to compose: an SDL file, or the URL of a running subgraph",
    )
    parser.add_argument("--from-running", action="store_true", help="read SDLs from _service")
    parser.add_argument("--schema-dir", default="schema", help="where <name>.graphql files live")
    parser.add_argument("--config", default=None, help="default: <schema-dir>/subgraphs.toml")
    parser.add_argument("--out", default=None, help="default: <schema-dir>/supergraph.graphql")
    parser.add_argument("--check", action="store_true", help="fail with a diff on drift")
    return parser


def main(argv: list[str], out: TextIO | None = None) -> int:
    """Runs the command; returns the process exit code."""
    stream = out or sys.stdout
    args = _parser().parse_args(argv)
    schema_dir = Path(args.schema_dir)
    output = Path(args.out) if args.out else schema_dir / "supergraph.graphql"
    try:
        definitions = (
            _explicit(args.subgraph, schema_dir, args.config)
            if args.subgraph
            else _configured(schema_dir, args.config, args.from_running, args.check, stream)
        )
    except SourceError as exc:
        print(f"error: {exc}", file=stream)
        return 1
    if not definitions:
        print("error: no subgraph SDL to compose", file=stream)
        return 1
    result = compose(definitions)
    if result.errors or result.supergraph_sdl is None:
        for error in result.errors:
            print(f"{error.code}: {error.message}", file=stream)
        return 1
    return _write_or_check(output, result.supergraph_sdl, args.check, stream)


def _routing_urls(schema_dir: Path, config: str | None) -> dict[str, str]:
    path = Path(config) if config else schema_dir / "subgraphs.toml"
    return {s.name: s.routing_url for s in read_config(path)} if path.exists() else {}


def _explicit(specs: list[str], schema_dir: Path, config: str | None) -> list[SubgraphDefinition]:
    import os

    urls = _routing_urls(schema_dir, config)
    definitions = []
    for spec in specs:
        name, sep, source = spec.partition("=")
        if not sep or not name or not source:
            raise SourceError(f"--subgraph expects NAME=URL_OR_FILE, got {spec!r}")
        if source.startswith(("http://", "https://")):
            definitions.append(SubgraphDefinition(name, source, fetch_sdl(name, source)))
            continue
        path = Path(source)
        if not path.exists():
            raise SourceError(f"[{name}] no such file: {path}")
        url = os.environ.get(env_url_name(name)) or urls.get(name) or f"http://{name}/graphql"
        definitions.append(definition_from_file(name, url, path))
    return definitions


def _configured(
    schema_dir: Path, config: str | None, from_running: bool, check: bool, stream: TextIO
) -> list[SubgraphDefinition]:
    path = Path(config) if config else schema_dir / "subgraphs.toml"
    if not path.exists():
        raise SourceError(f"no subgraph list at {path}")
    definitions = []
    for subgraph in read_config(path):
        sdl_file = schema_dir / f"{subgraph.name}.graphql"
        if from_running:
            sdl = fetch_sdl(subgraph.name, subgraph.routing_url)
            if check:
                _report_drift(sdl_file, sdl, stream)
            else:
                sdl_file.write_text(sdl if sdl.endswith("\n") else sdl + "\n")
            definitions.append(SubgraphDefinition(subgraph.name, subgraph.routing_url, sdl))
        elif sdl_file.exists():
            definitions.append(definition_from_file(subgraph.name, subgraph.routing_url, sdl_file))
        else:
            print(f"skipping subgraph {subgraph.name}: {sdl_file} does not exist", file=stream)
    return definitions


def _report_drift(path: Path, sdl: str, stream: TextIO) -> None:
    current = path.read_text() if path.exists() else ""
    expected = sdl if sdl.endswith("\n") else sdl + "\n"
    if current != expected:
        raise SourceError(
            f"{path} differs from the running subgraph:\n" + _diff(path, current, expected)
        )


def _diff(path: Path, current: str, expected: str) -> str:
    return "".join(
        difflib.unified_diff(
            current.splitlines(keepends=True),
            expected.splitlines(keepends=True),
            fromfile=str(path),
            tofile=f"{path} (composed)",
        )
    )


def _write_or_check(output: Path, sdl: str, check: bool, stream: TextIO) -> int:
    if check:
        current = output.read_text() if output.exists() else ""
        if current != sdl:
            print(f"{output} is out of date; run `python -m router compose`:", file=stream)
            print(_diff(output, current, sdl), file=stream, end="")
            return 1
        print(f"{output} is up to date", file=stream)
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(sdl)
    print(f"wrote {output}", file=stream)
    return 0
