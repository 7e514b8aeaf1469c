"""Arguments GraphQL itself refuses (unknown enum value, wrong scalar) → BAD_USER_INPUT.

graphql-core refuses a variable that does not coerce (``"type": "CASTLE"``) or a literal of the
wrong kind before any resolver runs. Left alone these would be validation failures, or even be
masked as internal errors when a scalar's parser raised. Each becomes BAD_USER_INPUT with
``field`` naming the argument path the client sent (``input.type``, ``filter.types``).

``common.error_extension.DomainErrorExtension`` applies it to every error before mapping
codes, and the router to the errors of its own validation and variable coercion.

``cap_echo`` bounds how much of the client's input a message repeats: graphql-core quotes the
offending value (``String cannot represent a non string value: 1000…`` with all 400 digits of
a literal, an unknown enum value or input field name of any length), and an error should say
what was wrong, not mirror a megabyte back (into logs too).
"""

from __future__ import annotations

import re

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    Node,
    ObjectFieldNode,
    ValueNode,
    VariableNode,
)

_VARIABLE = re.compile(
    r"^Variable '\$(?P<name>\w+)' (?:has invalid (?:default )?value(?: at (?P<path>[^:\s]+))?:"
    r"|of (?:required|non-null) type )"
)
_INDEX = re.compile(r"\[\d+\]")
# Longest run of non-space characters, and longest message, an error repeats to a client.
MAX_ECHO_CHARACTERS = 64
MAX_MESSAGE_CHARACTERS = 500
_LONG_RUN = re.compile(rf"\S{{{MAX_ECHO_CHARACTERS + 1},}}")


def _shorten(match: re.Match[str]) -> str:
    run = match.group(0)
    return f"{run[:MAX_ECHO_CHARACTERS]}… ({len(run)} characters)"


def cap_echo(message: str) -> str:
    """``message`` with each over-long run of client text cut, and the whole bounded."""
    if len(message) <= MAX_ECHO_CHARACTERS:
        return message
    capped = _LONG_RUN.sub(_shorten, message)
    if len(capped) > MAX_MESSAGE_CHARACTERS:
        capped = capped[:MAX_MESSAGE_CHARACTERS] + "…"
    return capped


def variable_field(error: GraphQLError) -> str | None:
    """The variable path a coercion error is about (``input.type`` of ``$input``), if any."""
    match = _VARIABLE.match(error.message)
    if match is None:
        return None
    path = _INDEX.sub("", match.group("path") or "")
    return match.group("name") + path


def _literal_field(document: DocumentNode | None, error: GraphQLError) -> str | None:
    """The argument path of a literal value the validator refused, found in the document."""
    nodes = error.nodes or []
    if document is None or not nodes:
        return None
    target = nodes[0]
    if not isinstance(target, ValueNode) or isinstance(target, VariableNode) or not target.loc:
        return None
    span = (target.loc.start, target.loc.end)

    def walk(node: Node, path: tuple[str, ...]) -> str | None:
        if isinstance(node, ArgumentNode):
            path = (node.name.value,)
        elif isinstance(node, ObjectFieldNode):
            path = (*path, node.name.value)
        if path and node.loc is not None and (node.loc.start, node.loc.end) == span:
            return ".".join(path)
        for key in node.keys:
            child = getattr(node, key, None)
            children = child if isinstance(child, (list, tuple)) else (child,)
            for item in children:
                if isinstance(item, Node):
                    found = walk(item, path)
                    if found is not None:
                        return found
        return None

    return walk(document, ())


def to_bad_user_input(error: GraphQLError, document: DocumentNode | None) -> GraphQLError:
    """The same error with code BAD_USER_INPUT and ``field`` when it is about an input value."""
    if error.path is not None:
        return error
    field = variable_field(error) or _literal_field(document, error)
    if field is None:
        return error
    return GraphQLError(
        cap_echo(error.message),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        extensions={"code": "BAD_USER_INPUT", "field": field},
    )
