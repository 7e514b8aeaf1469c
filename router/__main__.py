"""Command line: ``python -m router [compose|plan|serve options]``.

* ``python -m router compose ...``  composes subgraph SDLs into ``schema/supergraph.graphql``.
* ``python -m router plan ...``     prints the query plan of an operation.
* ``python -m router --supergraph FILE --port N``  serves a supergraph.
"""

import sys


def main(argv: list[str]) -> int:
    if argv and argv[0] == "compose":
        from router.composition.cli import main as compose_main

        return compose_main(argv[1:])
    if argv and argv[0] == "plan":
        from router.planning.cli import main as plan_main

        return plan_main(argv[1:])
    from router.server.cli import main as serve_main

    return serve_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
