"""The garbage-collector policy of serving processes: the router (decision 0034) and each
subgraph (decision 0040).

A router's heap is mostly short-lived trees without cycles: parsed subgraph responses, the
merged data of each request, the shaped answer. Reference counting frees them; the cyclic
collector only has to find the rare cycle (an exception and its traceback, a future's
callbacks). With CPython's default thresholds (a young collection every 700 net allocations)
a deep query's few thousand dicts trigger collections that walk every large tree of the
~50 requests in flight, promote them, and then walk them again in the older generations: a
quarter of the router's CPU under load. A subgraph's requests are the same kind of trees
(rows, records, Strawberry objects, results) over a larger startup heap (the schema, the
ORM's metadata, the libraries). So, once the app is built and started:

- ``gc.freeze()`` moves everything alive at startup (modules, the supergraph, the API schema,
  the composition's objects) into the permanent generation: no collection walks it again;
- young collections every ``YOUNG`` net allocations, middle ones every ``MIDDLE`` young ones,
  full ones every ``OLD`` middle ones: cyclic garbage is still found, later, while
  collections no longer run several times per request.
"""

from __future__ import annotations

import gc

YOUNG = 50_000
MIDDLE = 20
OLD = 100


def tune_gc() -> tuple[int, int, int]:
    """Apply the policy to this process; returns the thresholds it had before."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, OLD)
    return before
