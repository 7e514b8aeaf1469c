"""Progressive override (``@override(from:, label:)``): which labels one request enables.

A ``percent(x)`` label is enabled for a request with probability x/100, drawn per request
(``percent(0)`` never, ``percent(100)`` always); any other label is enabled only when the
router's configuration enables it (``REALIO_ROUTER_OVERRIDE_LABELS``). A configured
``percent(x)`` label is enabled for every request.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable

PERCENT_LABEL = re.compile(r"percent\(([0-9]+(?:\.[0-9]+)?)\)")


def percent_of(label: str) -> float | None:
    """The x of a ``percent(x)`` label; None for other labels."""
    match = PERCENT_LABEL.fullmatch(label)
    return float(match.group(1)) if match else None


class OverrideLabels:
    """Draws the enabled labels of each request for one supergraph.

    ``default`` is the draw-free set: the configured labels and the ``percent`` labels that
    are always on. Only labels strictly between 0 and 100 percent are drawn.
    """

    def __init__(
        self,
        supergraph_labels: Iterable[str],
        configured: Iterable[str] = (),
        draw: Callable[[], float] = random.random,
    ) -> None:
        enabled = set(configured)
        drawn: list[tuple[str, float]] = []
        for label in sorted(supergraph_labels):
            percent = percent_of(label)
            if label in enabled or percent is None or percent <= 0:
                continue
            if percent >= 100:
                enabled.add(label)
            else:
                drawn.append((label, percent))
        self.default: frozenset[str] = frozenset(enabled)
        self._drawn = tuple(drawn)
        self._draw = draw

    def for_request(self) -> frozenset[str]:
        """The labels enabled for one request."""
        if not self._drawn:
            return self.default
        won = [label for label, percent in self._drawn if self._draw() * 100 < percent]
        return self.default.union(won) if won else self.default
