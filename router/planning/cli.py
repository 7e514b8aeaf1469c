"""``python -m router plan --supergraph FILE [--operation-name N] [--json] QUERY_OR_FILE``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graphql import GraphQLError, OperationDefinitionNode, parse, validate

from router.api_schema import build_api_schema
from router.planning.override_labels import OverrideLabels
from router.planning.planner import PlanningError
from router.planning.prepare import plan_operation
from router.supergraph.parser import SupergraphError, parse_supergraph


def main(argv: list[str]) -> int:
    """Print the query plan of an operation; returns a process exit code."""
    parser = argparse.ArgumentParser(prog="python -m router plan", description=__doc__)
    parser.add_argument("--supergraph", required=True, help="supergraph SDL file")
    parser.add_argument("--operation-name", default=None)
    parser.add_argument("--variables", default=None, help="JSON object (decides @skip/@include)")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.add_argument(
        "--override-label",
        action="append",
        default=[],
        metavar="LABEL",
        help="a progressive @override label to plan as enabled; other labels are disabled, "
        "except percent(100)",
    )
    parser.add_argument("query", help="operation text, or a file containing it")
    args = parser.parse_args(argv)

    try:
        sdl = Path(args.supergraph).read_text()
        supergraph = parse_supergraph(sdl)
    except (OSError, SupergraphError) as error:
        print(f"error: cannot load supergraph: {error}", file=sys.stderr)
        return 2
    query = args.query
    if not query.lstrip().startswith(("{", "query", "mutation", "subscription", "fragment")):
        try:
            query = Path(query).read_text()
        except OSError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    try:
        document = parse(query)
    except GraphQLError as syntax_error:
        print(f"error: {syntax_error.message}", file=sys.stderr)
        return 1
    errors = validate(build_api_schema(sdl), document)
    if errors:
        for invalid in errors:
            print(f"error: {invalid.message}", file=sys.stderr)
        return 1
    operations = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (args.operation_name is None or (d.name and d.name.value == args.operation_name))
    ]
    if len(operations) != 1:
        print("error: name exactly one operation with --operation-name", file=sys.stderr)
        return 1
    variables = json.loads(args.variables) if args.variables else {}
    try:
        labels = OverrideLabels(supergraph.all_override_labels, args.override_label).default
        plan = plan_operation(supergraph, document, operations[0], variables, labels)
    except PlanningError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(plan.to_json(), indent=2) if args.json else str(plan))
    return 0
