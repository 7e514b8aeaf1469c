"""Prints a :class:`Supergraph` in the layout Apollo's composition prints.

Schema definition first, then directive definitions and types, each sorted by name the way
JavaScript's ``localeCompare`` sorts them (case-insensitive, ``_`` before letters).
"""

from __future__ import annotations

from router.composition.supergraph_model import SArg, SField, SType, Supergraph

JOIN_DIRECTIVES = {
    "join__enumValue": "directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE",
    "join__graph": "directive @join__graph(name: String!, url: String!) on ENUM_VALUE",
    "join__implements": "directive @join__implements(graph: join__Graph!, interface: String!) "
    "repeatable on OBJECT | INTERFACE",
    "join__type": "directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: "
    "Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) "
    "repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR",
    "join__unionMember": "directive @join__unionMember(graph: join__Graph!, member: String!) "
    "repeatable on UNION",
}
JOIN_FIELD_ARGS = {
    "0.3": "graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, "
    "external: Boolean, override: String, usedOverridden: Boolean",
    "0.4": "graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, "
    "external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String",
    "0.5": "graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, "
    "external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, "
    "contextArguments: [join__ContextArgument!]",
}
JOIN_DIRECTIVE = (
    "directive @join__directive(graphs: [join__Graph!], name: String!, args: "
    "join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION"
)
LINK_DIRECTIVE = (
    "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) "
    "repeatable on SCHEMA"
)
ALL_LOCATIONS = (
    "FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | "
    "ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)
TAG_DIRECTIVE = f"directive @tag(name: String!) repeatable on {ALL_LOCATIONS} | SCHEMA"
INACCESSIBLE_DIRECTIVE = f"directive @inaccessible on {ALL_LOCATIONS}"
CONTEXT_DIRECTIVES = {
    "context": "directive @context(name: String!) repeatable on INTERFACE | OBJECT | UNION",
    "context__fromContext": "directive @context__fromContext(field: context__ContextFieldValue) "
    "on ARGUMENT_DEFINITION",
}
LINK_PURPOSE = '''enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}'''
CONTEXT_ARGUMENT = """input join__ContextArgument {
  name: String!
  type: String!
  context: String!
  selection: join__FieldValue!
}"""


def sort_key(name: str) -> tuple[str, str]:
    """Approximates ``localeCompare``: case-insensitive first, lower case before upper."""
    return name.lower(), name.swapcase()


def print_supergraph(supergraph: Supergraph) -> str:
    """The supergraph SDL (no trailing newline, like Apollo's ``printSchema``)."""
    blocks = [_schema(supergraph)]
    directives = _directive_definitions(supergraph)
    blocks.extend(directives[name] for name in sorted(directives, key=sort_key))
    types = {name: _type(t) for name, t in supergraph.types.items()}
    types.update(_spec_types(supergraph))
    blocks.extend(types[name] for name in sorted(types, key=sort_key))
    return "\n\n".join(blocks)


def _schema(supergraph: Supergraph) -> str:
    links = [
        '@link(url: "https://specs.apollo.dev/link/v1.0")',
        f'@link(url: "https://specs.apollo.dev/join/v{supergraph.join_version}", for: EXECUTION)',
    ]
    if supergraph.uses_tag:
        links.append('@link(url: "https://specs.apollo.dev/tag/v0.3")')
    if supergraph.uses_inaccessible:
        links.append('@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)')
    if supergraph.uses_context:
        links.append('@link(url: "https://specs.apollo.dev/context/v0.1", for: SECURITY)')
    for url, imports in supergraph.composed_links:
        quoted = ", ".join(f'"{i}"' for i in imports)
        links.append(f'@link(url: "{url}", import: [{quoted}])')
    links.extend(supergraph.schema_directives)
    roots = [
        f"  {op}: {name}"
        for op, name in (
            ("query", "Query"),
            ("mutation", "Mutation"),
            ("subscription", "Subscription"),
        )
        if name in supergraph.types
    ]
    return "schema\n  " + "\n  ".join(links) + "\n{\n" + "\n".join(roots) + "\n}"


def _directive_definitions(supergraph: Supergraph) -> dict[str, str]:
    definitions = dict(JOIN_DIRECTIVES)
    definitions["join__field"] = (
        f"directive @join__field({JOIN_FIELD_ARGS[supergraph.join_version]}) repeatable on "
        "FIELD_DEFINITION | INPUT_FIELD_DEFINITION"
    )
    if supergraph.join_version != "0.3":
        definitions["join__directive"] = JOIN_DIRECTIVE
    definitions["link"] = LINK_DIRECTIVE
    if supergraph.uses_tag:
        definitions["tag"] = TAG_DIRECTIVE
    if supergraph.uses_inaccessible:
        definitions["inaccessible"] = INACCESSIBLE_DIRECTIVE
    if supergraph.uses_context:
        definitions.update(CONTEXT_DIRECTIVES)
    definitions.update(supergraph.composed_definitions)
    return definitions


def _spec_types(supergraph: Supergraph) -> dict[str, str]:
    graphs = "\n".join(
        f'  {value} @join__graph(name: "{name}", url: "{url}")'
        for value, name, url in supergraph.graphs
    )
    types = {
        "join__FieldSet": "scalar join__FieldSet",
        "join__Graph": "enum join__Graph {\n" + graphs + "\n}",
        "link__Import": "scalar link__Import",
        "link__Purpose": LINK_PURPOSE,
    }
    if supergraph.join_version != "0.3":
        types["join__DirectiveArguments"] = "scalar join__DirectiveArguments"
    if supergraph.uses_context:
        types["context__ContextFieldValue"] = "scalar context__ContextFieldValue"
    if supergraph.join_version == "0.5":
        types["join__FieldValue"] = "scalar join__FieldValue"
        types["join__ContextArgument"] = CONTEXT_ARGUMENT
    return types


def block_string(value: str, indentation: str = "") -> str:
    """A description as a block string, with Apollo's single/multi-line choice."""
    multiline = "\n" in value or value.endswith(('"', "\\")) or len(value) > 70
    single_with_leading_space = "\n" not in value and value[:1] in (" ", "\t")
    text = ""
    if multiline and not single_with_leading_space:
        text += "\n" + indentation
    text += value.replace("\n", "\n" + indentation) if indentation else value
    if multiline:
        text += "\n"
    return '"""' + text.replace('"""', '\\"""') + '"""'


def _description(value: str | None, indentation: str = "", first: bool = True) -> str:
    if value is None:
        return ""
    prefix = "\n" + indentation if indentation and not first else indentation
    return prefix + block_string(value, "").replace("\n", "\n" + indentation) + "\n"


def _directives_block(directives: list[str], has_body: bool) -> str:
    if not directives:
        return " " if has_body else ""
    return "\n  " + "\n  ".join(directives) + ("\n" if has_body else "")


def _type(t: SType) -> str:
    head = _description(t.description)
    if t.kind in ("object", "interface"):
        keyword = "type" if t.kind == "object" else "interface"
        implements = f" implements {' & '.join(t.interfaces)}" if t.interfaces else ""
        body = _block([_field(f, i == 0) for i, f in enumerate(t.fields)])
        directives = _directives_block(t.directives, bool(body))
        return f"{head}{keyword} {t.name}{implements}{directives}{body}"
    if t.kind == "union":
        members = f" = {' | '.join(t.members)}" if t.members else ""
        directives = _directives_block(t.directives, bool(members))
        return f"{head}union {t.name}{directives}{members}"
    if t.kind == "enum":
        values = [
            _description(v.description, "  ", i == 0)
            + "  "
            + v.name
            + "".join(" " + d for d in v.directives)
            for i, v in enumerate(t.values)
        ]
        body = _block(values)
        return f"{head}enum {t.name}{_directives_block(t.directives, bool(body))}{body}"
    if t.kind == "input":
        lines = [
            _description(f.description, "  ", i == 0) + "  " + _input_value(f)
            for i, f in enumerate(t.input_fields)
        ]
        body = _block(lines)
        return f"{head}input {t.name}{_directives_block(t.directives, bool(body))}{body}"
    return f"{head}scalar {t.name}{_directives_block(t.directives, False)}"


def _block(lines: list[str]) -> str:
    return "{\n" + "\n".join(lines) + "\n}" if lines else ""


def _input_value(value: SArg) -> str:
    default = f" = {value.default}" if value.default is not None else ""
    return f"{value.name}: {value.type}{default}" + "".join(" " + d for d in value.directives)


def _field(f: SField, first: bool) -> str:
    if not f.args:
        args = ""
    elif all(a.description is None for a in f.args):
        args = "(" + ", ".join(_input_value(a) for a in f.args) + ")"
    else:
        lines = [
            _description(a.description, "    ", i == 0) + "    " + _input_value(a)
            for i, a in enumerate(f.args)
        ]
        args = "(\n" + "\n".join(lines) + "\n  )"
    directives = "".join(" " + d for d in f.directives)
    return f"{_description(f.description, '  ', first)}  {f.name}{args}: {f.type}{directives}"
