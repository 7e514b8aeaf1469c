"""Directives carried from subgraphs into the supergraph: @inaccessible, @tag, @deprecated,
@specifiedBy, @context and the ones named by @composeDirective."""

from __future__ import annotations

from collections.abc import Iterable

from router.composition.schema_model import AppliedDirective, value_text

CARRIED_SPEC = ("inaccessible", "tag", "deprecated", "context", "specifiedBy")


class Carrier:
    """Decides which applied directives appear in the supergraph and records spec usage."""

    def __init__(self, composed: set[str]) -> None:
        self.composed = composed
        self.uses_tag = False
        self.uses_inaccessible = False
        self.uses_context = False

    def carry(self, directive_lists: Iterable[list[AppliedDirective]]) -> list[str]:
        """Printed applications, de-duplicated, grouped by directive name.

        Like Apollo's merge: names in order of first appearance, then each name's applications
        in order. ``@context(name: "n")`` becomes ``@context(name: "<subgraph>__n")``, the name
        the supergraph gives contexts; applications are de-duplicated on what the subgraphs
        wrote (two subgraphs setting context "n" on a type leave only the first one's).
        """
        by_name: dict[str, list[AppliedDirective]] = {}
        for directives in directive_lists:
            for directive in directives:
                if directive.name in CARRIED_SPEC or directive.name in self.composed:
                    by_name.setdefault(directive.name, []).append(directive)
        printed: list[str] = []
        for name, applications in by_name.items():
            if name == "deprecated":
                applications = applications[:1]
            seen: set[str] = set()
            for directive in applications:
                text = _print_directive(directive)
                if text in seen:
                    continue
                seen.add(text)
                if name == "context":
                    self.uses_context = True
                    text = f'@context(name: "{directive.origin}__{directive.arg_str("name")}")'
                elif name == "tag":
                    self.uses_tag = True
                elif name == "inaccessible":
                    self.uses_inaccessible = True
                printed.append(text)
        return printed


def _print_directive(directive: AppliedDirective) -> str:
    if not directive.args:
        return f"@{directive.name}"
    args = ", ".join(f"{name}: {value_text(value)}" for name, value in directive.args.items())
    return f"@{directive.name}({args})"


def inaccessible_first(join: list[str], carried: list[str]) -> list[str]:
    """Apollo prints @inaccessible before the join directives of fields and enum values."""
    hidden = [d for d in carried if d == "@inaccessible"]
    return hidden + join + [d for d in carried if d != "@inaccessible"]
