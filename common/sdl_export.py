"""Writes each subgraph's SDL to ``schema/<name>.graphql`` (``python -m common.sdl_export``).

The SDL is exactly what the subgraph serves at ``_service { sdl }``; a test fails when a
checked-in file differs from the code (``--check`` does the same from the command line).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from common.config import REPO_ROOT

SCHEMA_DIR = REPO_ROOT / "schema"


def subgraph_names() -> list[str]:
    """Every subgraph package that has a ``schema.py``."""
    root = REPO_ROOT / "subgraphs"
    return sorted(p.parent.name for p in root.glob("*/schema.py"))


def subgraph_sdl(name: str) -> str:
    """The federation SDL of one subgraph, as its ``_service { sdl }`` returns it."""
    module = importlib.import_module(f"subgraphs.{name}.schema")
    return str(module.schema.as_str()).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when a file is out of date")
    args = parser.parse_args(argv)
    stale = []
    for name in subgraph_names():
        path = SCHEMA_DIR / f"{name}.graphql"
        sdl = subgraph_sdl(name)
        current = path.read_text() if path.exists() else None
        if current == sdl:
            continue
        if args.check:
            stale.append(path)
        else:
            path.write_text(sdl)
            print(f"wrote {path.relative_to(REPO_ROOT)}")
    for path in stale:
        print(f"{path.relative_to(REPO_ROOT)} differs from the code: run `make schema`")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
