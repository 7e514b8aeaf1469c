"""Batching: every entity fetch of one plan step to one subgraph becomes one request.

Entity fetches at different response paths that run in the same step (a Parallel stage) and
go to the same subgraph are sent together. Fetches whose representations are built alike and
whose selections merge share one ``_entities`` field, so their representations are
deduplicated together; the others get their own aliased field in the same document::

    query($r0:[_Any!]!,$r1:[_Any!]!){_e0:_entities(representations:$r0){...}
                                     _e1:_entities(representations:$r1){...}}
"""

from __future__ import annotations

from graphql import VariableDefinitionNode, print_ast

from router.planning.plan import EntityBatch, EntitySlot, FlattenNode, PlanNode
from router.planning.selection import SubSelection, can_merge, merge_into


def batch_stage(
    nodes: list[PlanNode],
    operation_name: str | None,
    variable_definitions: dict[str, VariableDefinitionNode],
) -> list[PlanNode]:
    """The nodes of one stage with same-subgraph entity fetches combined into batches."""
    by_service: dict[str, list[FlattenNode]] = {}
    for node in nodes:
        if isinstance(node, FlattenNode) and not node.node.contexts:
            by_service.setdefault(node.node.service, []).append(node)
    result: list[PlanNode] = []
    done: set[str] = set()
    for node in nodes:
        if not isinstance(node, FlattenNode) or node.node.contexts:
            # Fetches with contextual arguments partition their entities: sent on their own.
            result.append(node)
            continue
        service = node.node.service
        parts = by_service[service]
        if len(parts) == 1:
            result.append(node)
        elif service not in done:
            done.add(service)
            result.append(_batch(service, parts, operation_name, variable_definitions))
    return result


def _slots(parts: list[FlattenNode]) -> list[EntitySlot]:
    slots: list[tuple[str, SubSelection, list[FlattenNode]]] = []
    for part in parts:
        assert part.node.requires is not None
        requires = part.node.requires.compact()
        for slot_requires, selection, members in slots:
            if slot_requires == requires and can_merge(selection, part.node.selection):
                merge_into(selection, part.node.selection)
                members.append(part)
                break
        else:
            selection = SubSelection()
            merge_into(selection, part.node.selection)
            slots.append((requires, selection, [part]))
    single = len(slots) == 1
    result = []
    for index, (_requires, selection, members) in enumerate(slots):
        text = selection.compact()
        project = any(member.node.selection.compact() != text for member in members)
        field = "_entities" if single else f"_e{index}"
        variable = "representations" if single else f"r{index}"
        result.append(EntitySlot(field, variable, members, selection, project))
    return result


def _batch(
    service: str,
    parts: list[FlattenNode],
    operation_name: str | None,
    variable_definitions: dict[str, VariableDefinitionNode],
) -> EntityBatch:
    slots = _slots(parts)
    used = {name for part in parts for name in part.node.variable_usages}
    usages = tuple(name for name in variable_definitions if name in used)
    definitions = [f"${slot.variable}:[_Any!]!" for slot in slots]
    definitions += [print_ast(variable_definitions[name]) for name in usages]
    name = f" {operation_name}__{service}__{parts[0].node.id}" if operation_name else ""
    fields = []
    for slot in slots:
        alias = "" if slot.field == "_entities" else f"{slot.field}:"
        fields.append(
            f"{alias}_entities(representations:${slot.variable}){slot.selection.compact()}"
        )
    operation = f"query{name}({','.join(definitions)}){{{' '.join(fields)}}}"
    return EntityBatch(service, operation, usages, slots)
