"""Fetch groups (one future subgraph request each) and their assembly into a plan tree."""

from __future__ import annotations

from graphql import VariableDefinitionNode, print_ast

from router.planning.batching import batch_stage
from router.planning.operation import Field, Selection
from router.planning.plan import (
    ContextRead,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
)
from router.planning.selection import SubSelection


class FetchGroup:
    """What the planner wants from one subgraph at one place in the response."""

    def __init__(self, id: int, graph: str, merge_path: tuple[str, ...] | None, kind: str) -> None:
        self.id = id
        self.graph = graph
        self.merge_path = merge_path  # None: a root fetch
        self.kind = kind
        self.selection = SubSelection()
        self.inputs = SubSelection()  # entity fetches: representation fields, by type
        self.rewrites: dict[str, str] = {}  # data __typename → representation __typename
        # Object type → abstract input fragment that stands for it (an interface's entities).
        self.input_types: dict[str, str] = {}
        self.deps: set[FetchGroup] = set()
        self.variables: set[str] = set()
        # Contextual arguments of the (single) field this group fetches for them, if any: such
        # a group is never shared with other fields (its entities are partitioned by value).
        self.contexts: list[ContextRead] = []

    @property
    def is_entity(self) -> bool:
        return self.merge_path is not None

    def inputs_compatible(self, type_name: str, selections: list[Selection]) -> bool:
        """Whether these representation fields fit (one value per field name per type)."""
        existing = self.inputs.fragments.get(type_name)
        if existing is None:
            return True
        return _compatible(existing, selections)

    def add_inputs(self, type_name: str, via: str, selections: list[Selection]) -> None:
        """Add fields to the representations of objects of ``type_name``."""
        target = self.inputs.fragment(type_name)
        target.add_typename()
        _add_input_fields(target, selections)
        if via != type_name:
            self.rewrites[type_name] = via


def _compatible(existing: SubSelection, selections: list[Selection]) -> bool:
    for selection in selections:
        if not isinstance(selection, Field):
            if not _compatible(existing, selection.selections):
                return False
            continue
        for sub in existing.fields.values():
            if sub.name == selection.name:
                if sub.args_text != selection.args_text:
                    return False
                if sub.selection is not None and selection.selections is not None:
                    if not _compatible(sub.selection, selection.selections):
                        return False
    return True


def _add_input_fields(target: SubSelection, selections: list[Selection]) -> None:
    for selection in selections:
        if isinstance(selection, Field):
            sub = target.add_field(selection.data_key, selection.name, selection.args_text)
            if selection.selections is not None:
                if sub.selection is None:
                    sub.selection = SubSelection()
                _add_input_fields(sub.selection, selection.selections)
        elif selection.type_condition is None:
            _add_input_fields(target, selection.selections)
        else:
            fragment = target.fragment(selection.type_condition)
            fragment.add_typename()
            _add_input_fields(fragment, selection.selections)


def _operation_name(group: FetchGroup, operation_name: str | None) -> str:
    return f"{operation_name}__{group.graph}__{group.id}" if operation_name else ""


def _operation_text(
    group: FetchGroup,
    operation_name: str | None,
    variable_definitions: dict[str, VariableDefinitionNode],
) -> tuple[str, tuple[str, ...]]:
    usages = tuple(name for name in variable_definitions if name in group.variables)
    definitions = [print_ast(variable_definitions[name]) for name in usages]
    name = _operation_name(group, operation_name)
    definitions.extend(f"${c.variable}:{c.type}" for c in group.contexts)
    if group.is_entity:
        definitions.insert(0, "$representations:[_Any!]!")
        body = "{_entities(representations:$representations)" + group.selection.compact() + "}"
        kind = "query"
    else:
        body = group.selection.compact()
        kind = group.kind
    head = kind + (f" {name}" if name else "")
    if definitions:
        head += "(" + ",".join(definitions) + ")"
    return f"{head}{body}", usages


def assemble(
    groups: list[FetchGroup],
    operation_name: str | None,
    variable_definitions: dict[str, VariableDefinitionNode],
) -> PlanNode | None:
    """Turn a dependency graph of groups into Sequence/Parallel stages (deps before users)."""
    depth: dict[FetchGroup, int] = {}

    def level(group: FetchGroup) -> int:
        if group not in depth:
            depth[group] = 1 + max((level(d) for d in group.deps), default=-1)
        return depth[group]

    stages: dict[int, list[PlanNode]] = {}
    for group in groups:
        if group.selection.is_empty():
            continue
        text, usages = _operation_text(group, operation_name, variable_definitions)
        fetch = FetchNode(
            id=group.id,
            service=group.graph,
            operation=text,
            operation_kind="query" if group.is_entity else group.kind,
            variable_usages=usages,
            selection=group.selection,
            requires=group.inputs if group.is_entity else None,
            input_rewrites=dict(group.rewrites),
            input_types=dict(group.input_types),
            merge_path=group.merge_path or (),
            contexts=tuple(group.contexts),
        )
        if group.contexts:
            name = _operation_name(group, operation_name)
            fetch.operation_name = f" {name}" if name else ""
            fetch.client_definitions = tuple(print_ast(variable_definitions[n]) for n in usages)
        node: PlanNode = (
            FlattenNode(group.merge_path, fetch) if group.merge_path is not None else fetch
        )
        stages.setdefault(level(group), []).append(node)
    ordered: list[PlanNode] = []
    for index in sorted(stages):
        nodes = batch_stage(stages[index], operation_name, variable_definitions)
        ordered.append(nodes[0] if len(nodes) == 1 else ParallelNode(nodes))
    if not ordered:
        return None
    return ordered[0] if len(ordered) == 1 else SequenceNode(ordered)
