"""Checks that hiding elements with @inaccessible leaves a valid API schema, as Apollo's
composition does after merging: nothing visible may point at, require or implement
something hidden, and no visible type may be left without visible children.
"""

from __future__ import annotations

import re

from router.composition.model import CompositionError
from router.composition.supergraph_model import SArg, SField, SType, Supergraph

INACCESSIBLE = "@inaccessible"


def _hidden(element: SType | SField | SArg) -> bool:
    return INACCESSIBLE in element.directives


def _named(type_text: str) -> str:
    return re.sub(r"[\[\]!]", "", type_text)


def _required(arg: SArg) -> bool:
    return arg.type.endswith("!") and arg.default is None


def inaccessible_errors(supergraph: Supergraph) -> list[CompositionError]:
    """Apollo's REFERENCED_INACCESSIBLE, QUERY_ROOT_TYPE_INACCESSIBLE,
    ONLY_INACCESSIBLE_CHILDREN, IMPLEMENTED_BY_INACCESSIBLE and REQUIRED_INACCESSIBLE."""
    if not supergraph.uses_inaccessible:
        return []
    checker = _Checker(supergraph)
    for type_def in supergraph.types.values():
        if _hidden(type_def):
            checker.hidden_type(type_def)
        else:
            checker.visible_type(type_def)
        if type_def.kind == "enum":
            checker.hidden_values_in_defaults(type_def)
    return checker.errors


class _Checker:
    def __init__(self, supergraph: Supergraph) -> None:
        self.types = supergraph.types
        self.errors: list[CompositionError] = []

    def error(self, code: str, message: str, type_name: str, field: str | None = None) -> None:
        self.errors.append(CompositionError(code, message, (), type_name, field))

    def _visible_inputs(self) -> list[tuple[str, SArg]]:
        """(coordinate, argument or input field) of every input value in the API schema."""
        found: list[tuple[str, SArg]] = []
        for owner in self.types.values():
            if _hidden(owner):
                continue
            for field in owner.fields:
                if not _hidden(field):
                    found.extend(
                        (f"{owner.name}.{field.name}({a.name}:)", a)
                        for a in field.args
                        if not _hidden(a)
                    )
            found.extend(
                (f"{owner.name}.{f.name}", f) for f in owner.input_fields if not _hidden(f)
            )
        return found

    def hidden_values_in_defaults(self, enum: SType) -> None:
        """A visible default may not name a hidden enum value (clients could not send it)."""
        hidden = {v.name for v in enum.values if INACCESSIBLE in v.directives}
        if not hidden:
            return
        for coordinate, value in self._visible_inputs():
            if value.default is None or _named(value.type) != enum.name:
                continue
            used = set(re.findall(r"[_A-Za-z][_0-9A-Za-z]*", value.default))
            for name in [v.name for v in enum.values if v.name in hidden & used]:
                self.error(
                    "DEFAULT_VALUE_USES_INACCESSIBLE",
                    f'Enum value "{enum.name}.{name}" is @inaccessible but is used in the default '
                    f'value of "{coordinate}", which is in the API schema.',
                    enum.name,
                )

    def hidden_type(self, hidden: SType) -> None:
        name = hidden.name
        if name == "Query":
            self.error(
                "QUERY_ROOT_TYPE_INACCESSIBLE",
                f'Type "{name}" is @inaccessible but is the root query type, which must be in '
                "the API schema.",
                name,
            )
        for owner in self.types.values():
            if _hidden(owner):
                continue
            for referencer in self._referencers(owner, name):
                self.error(
                    "REFERENCED_INACCESSIBLE",
                    f'Type "{name}" is @inaccessible but is referenced by "{referencer}", which '
                    "is in the API schema.",
                    name,
                )

    def _referencers(self, owner: SType, name: str) -> list[str]:
        found: list[str] = []
        for field in owner.fields:
            if _hidden(field):
                continue
            if _named(field.type) == name:
                found.append(f"{owner.name}.{field.name}")
            found.extend(
                f"{owner.name}.{field.name}({a.name}:)"
                for a in field.args
                if not _hidden(a) and _named(a.type) == name
            )
        found.extend(
            f"{owner.name}.{f.name}"
            for f in owner.input_fields
            if not _hidden(f) and _named(f.type) == name
        )
        return found

    def visible_type(self, type_def: SType) -> None:
        name = type_def.name
        noun = ""
        if type_def.kind in ("object", "interface"):
            empty = bool(type_def.fields) and all(_hidden(f) for f in type_def.fields)
            noun = "fields"
        elif type_def.kind == "input":
            empty = bool(type_def.input_fields) and all(_hidden(f) for f in type_def.input_fields)
            noun = "input fields"
        elif type_def.kind == "union":
            members = [self.types.get(m) for m in type_def.members]
            empty = bool(members) and all(m is not None and _hidden(m) for m in members)
            noun = "members"
        elif type_def.kind == "enum":
            empty = bool(type_def.values) and all(
                INACCESSIBLE in v.directives for v in type_def.values
            )
            noun = "values"
        else:
            empty = False
        if empty:
            self.error(
                "ONLY_INACCESSIBLE_CHILDREN",
                f'Type "{name}" is in the API schema but all of its {noun} are @inaccessible.',
                name,
            )
        if type_def.kind in ("object", "interface"):
            self._fields(type_def)
        elif type_def.kind == "input":
            for field in type_def.input_fields:
                if _hidden(field) and _required(field):
                    self.error(
                        "REQUIRED_INACCESSIBLE",
                        f'Input field "{name}.{field.name}" is @inaccessible but is a required '
                        "input field of its type.",
                        name,
                        field.name,
                    )

    def _fields(self, type_def: SType) -> None:
        name = type_def.name
        interfaces = [self.types[i] for i in type_def.interfaces if i in self.types]
        implementing = [
            t for t in self.types.values() if type_def.kind == "interface" and name in t.interfaces
        ]
        for field in type_def.fields:
            if _hidden(field):
                for interface in interfaces:
                    implemented = _field(interface, field.name)
                    if implemented is not None and not _hidden(interface):
                        if _hidden(implemented):
                            continue
                        self.error(
                            "IMPLEMENTED_BY_INACCESSIBLE",
                            f'Field "{name}.{field.name}" is @inaccessible but implements the '
                            f'interface field "{interface.name}.{field.name}", which is in the '
                            "API schema.",
                            name,
                            field.name,
                        )
                continue
            for arg in field.args:
                if _hidden(arg):
                    self._hidden_argument(type_def, field, arg, interfaces, implementing)

    def _hidden_argument(
        self,
        type_def: SType,
        field: SField,
        arg: SArg,
        interfaces: list[SType],
        implementing: list[SType],
    ) -> None:
        coordinate = f"{type_def.name}.{field.name}({arg.name}:)"
        if _required(arg):
            self.error(
                "REQUIRED_INACCESSIBLE",
                f'Argument "{coordinate}" is @inaccessible but is a required argument of its '
                "field.",
                type_def.name,
                field.name,
            )
        for implementation in implementing:
            other = _argument(_field(implementation, field.name), arg.name)
            if other is None or not _visible_argument(implementation, field.name, other):
                continue
            if _required(other):
                self.error(
                    "REQUIRED_INACCESSIBLE",
                    f'Argument "{coordinate}" is @inaccessible but is implemented by the '
                    f'required argument "{implementation.name}.{field.name}({arg.name}:)", '
                    "which is in the API schema.",
                    type_def.name,
                    field.name,
                )
        for interface in interfaces:
            other = _argument(_field(interface, field.name), arg.name)
            if other is not None and _visible_argument(interface, field.name, other):
                self.error(
                    "IMPLEMENTED_BY_INACCESSIBLE",
                    f'Argument "{coordinate}" is @inaccessible but implements the interface '
                    f'argument "{interface.name}.{field.name}({arg.name}:)", which is in the '
                    "API schema.",
                    type_def.name,
                    field.name,
                )


def _field(type_def: SType | None, name: str) -> SField | None:
    if type_def is None:
        return None
    return next((f for f in type_def.fields if f.name == name), None)


def _argument(field: SField | None, name: str) -> SArg | None:
    if field is None:
        return None
    return next((a for a in field.args if a.name == name), None)


def _visible_argument(type_def: SType, field_name: str, arg: SArg) -> bool:
    field = _field(type_def, field_name)
    return not (_hidden(type_def) or field is None or _hidden(field) or _hidden(arg))
