"""A subgraph's instances: several URLs of one subgraph, balanced by the router (decision 0038).

``REALIO_ROUTER_SUBGRAPH_URLS__USERS='http://127.0.0.1:4001/graphql,http://127.0.0.1:4101/graphql'``
(or a JSON list) names the instances of one subgraph. Each fetch goes to the instance with the
fewest requests in flight from this router, ties broken by rotating the starting instance, so
an idle graph alternates between them and a slow instance gets less. Each URL has its own pool
of keep-alive connections (the HTTP client pools per origin).

Health: an instance that refuses connections is left out for ``down_seconds``, and the fetch
that found it down is sent to another instance (nothing was sent, so even a mutation may be);
after that time it gets requests again, and the first one that connects brings it back. A
request that failed after it was sent is never retried. ``/ready`` probes every instance.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence

from router.execution.http1 import Target

# URLs are separated by commas or whitespace (neither appears unescaped in a subgraph URL).
_SEPARATORS = re.compile(r"[\s,]+")
DEFAULT_DOWN_SECONDS = 2.0


def split_urls(value: str | Sequence[str]) -> list[str]:
    """The URLs of one subgraph from a setting: one URL, several separated by commas or
    whitespace, or a list of them (also as JSON text, as an environment variable gives it)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            listed = json.loads(text)
            if isinstance(listed, list) and all(isinstance(url, str) for url in listed):
                return split_urls(listed)
            raise ValueError(f"not a list of URLs: {text!r}")
        return [url for url in _SEPARATORS.split(text) if url]
    urls: list[str] = []
    for item in value:
        urls += split_urls(item)
    return urls


class Upstream:
    """The instances of one subgraph and what this router knows of them."""

    __slots__ = ("urls", "targets", "inflight", "down_until", "down_seconds", "_next", "single")

    def __init__(self, urls: Sequence[str], *, down_seconds: float = DEFAULT_DOWN_SECONDS) -> None:
        if not urls:
            raise ValueError("no URL")
        self.urls = list(urls)
        self.targets = [Target.parse(url) for url in self.urls]  # ValueError when invalid
        self.inflight = [0] * len(self.targets)
        self.down_until = [0.0] * len(self.targets)
        self.down_seconds = down_seconds
        self._next = 0
        # One instance: no choice to make per fetch.
        self.single: Target | None = self.targets[0] if len(self.targets) == 1 else None

    def __len__(self) -> int:
        return len(self.targets)

    def choose(self, exclude: frozenset[int] = frozenset()) -> int:
        """The index of the instance for the next request: up (or all down), fewest in flight,
        the rotation breaking ties."""
        count = len(self.targets)
        start = self._next
        self._next = (start + 1) % count
        now = time.monotonic()
        best = -1
        fallback = -1
        for step in range(count):
            index = (start + step) % count
            if index in exclude:
                continue
            if fallback < 0:
                fallback = index
            if self.down_until[index] > now:
                continue
            if best < 0 or self.inflight[index] < self.inflight[best]:
                best = index
        # Every instance is down: try one anyway (it may be back; the caller reports failure).
        return best if best >= 0 else fallback

    def mark_down(self, index: int) -> None:
        self.down_until[index] = time.monotonic() + self.down_seconds

    def mark_up(self, index: int) -> None:
        self.down_until[index] = 0.0

    def next_url(self) -> str:
        """A URL for a long-lived exchange (a subscription), taken in turn."""
        return self.urls[self.choose()]
