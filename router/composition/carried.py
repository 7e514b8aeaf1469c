"""Directives carried from subgraphs into the supergraph: @inaccessible, @tag, @deprecated
and the ones named by @composeDirective."""

from __future__ import annotations

from collections.abc import Iterable

from graphql import print_ast

from router.composition.schema_model import AppliedDirective

CARRIED_SPEC = ("inaccessible", "tag", "deprecated")


class Carrier:
    """Decides which applied directives appear in the supergraph and records spec usage."""

    def __init__(self, composed: set[str]) -> None:
        self.composed = composed
        self.uses_tag = False
        self.uses_inaccessible = False

    def carry(self, directive_lists: Iterable[list[AppliedDirective]]) -> list[str]:
        """Printed applications, de-duplicated, in order of first appearance."""
        printed: list[str] = []
        deprecated_seen = False
        for directives in directive_lists:
            for directive in directives:
                if directive.name not in CARRIED_SPEC and directive.name not in self.composed:
                    continue
                if directive.name == "deprecated":
                    if deprecated_seen:
                        continue
                    deprecated_seen = True
                text = _print_directive(directive)
                if text in printed:
                    continue
                if directive.name == "tag":
                    self.uses_tag = True
                elif directive.name == "inaccessible":
                    self.uses_inaccessible = True
                printed.append(text)
        return printed


def _print_directive(directive: AppliedDirective) -> str:
    if not directive.args:
        return f"@{directive.name}"
    args = ", ".join(f"{name}: {print_ast(value)}" for name, value in directive.args.items())
    return f"@{directive.name}({args})"


def inaccessible_first(join: list[str], carried: list[str]) -> list[str]:
    """Apollo prints @inaccessible before the join directives of fields and enum values."""
    hidden = [d for d in carried if d == "@inaccessible"]
    return hidden + join + [d for d in carried if d != "@inaccessible"]
