"""Public data types of composition: subgraph inputs, errors and the result."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SubgraphDefinition:
    """One subgraph to compose: its name (``users``), routing URL and SDL."""

    name: str
    routing_url: str
    sdl: str


@dataclass(frozen=True)
class CompositionError:
    """A reason composition failed, with Apollo's error code (``INVALID_FIELD_SHARING``...).

    ``subgraphs``, ``type_name`` and ``field_name`` locate the problem; ``message`` says why
    and names them too, so printing the message alone is enough for a person.
    """

    code: str
    message: str
    subgraphs: tuple[str, ...] = ()
    type_name: str | None = None
    field_name: str | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass
class CompositionResult:
    """Either ``supergraph_sdl`` (success) or a non-empty ``errors`` list."""

    supergraph_sdl: str | None = None
    errors: list[CompositionError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors
