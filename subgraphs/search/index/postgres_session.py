"""Server settings for the connections the Postgres search index reads through.

Every search statement is prepared by asyncpg, and after five executions Postgres may switch
a prepared statement to a *generic* plan: one chosen without the parameter values. A search's
selectivity lives entirely in those values (a 2 km radius or the whole planet, a rare word or
a common one), so a generic plan guesses a few hundred rows and keeps work that the real
values make expensive (measured: the relevance shape went from ~30 ms to ~65 ms once the
generic plan took over). Planning a search costs well under a millisecond, so every
execution is planned with its values.

JIT compilation costs more than a whole search: the relevance search forced through it
(``jit_above_cost = 0``) took 255 ms instead of ~25 ms. No search on 100,000 listings is
estimated above ``jit_above_cost`` today, but estimates grow with the index, and the planner
starts JIT on estimates alone, so it is off for these connections.

A text or geo search with its total materialises every match (id, sort key, distance: ~50
bytes a row); at the default 4 MB ``work_mem`` a word found in every listing ("street", in
every address) spills that set to a temporary file (96-100 ms instead of ~60 ms), so these
connections get 16 MB.

A text search visits one table page per match through a bitmap heap scan, which by default
first asks the buffer manager to prefetch each page: for an index that lives in memory that is
a second buffer lookup per page and no I/O saved (perf: 7% of a relevance search's CPU;
p50 24.5 -> 22.2 ms without it). An index too large for memory would want it back.

The settings travel in the connection's startup packet (asyncpg ``server_settings``), so they
cost no round trip and hold on every connection the engine opens after the index is built.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

SEARCH_SERVER_SETTINGS: dict[str, str] = {
    "plan_cache_mode": "force_custom_plan",
    "jit": "off",
    "work_mem": "16MB",
    "effective_io_concurrency": "0",
}


def _add_server_settings(
    dialect: Any, connection_record: Any, cargs: Any, cparams: dict[str, Any]
) -> None:
    settings = dict(cparams.get("server_settings") or {})
    for name, value in SEARCH_SERVER_SETTINGS.items():
        settings.setdefault(name, value)
    cparams["server_settings"] = settings


def apply_search_settings(engine: AsyncEngine) -> None:
    """Open every later connection of ``engine`` with :data:`SEARCH_SERVER_SETTINGS`."""
    if engine.dialect.driver != "asyncpg":
        return
    if not event.contains(engine.sync_engine, "do_connect", _add_server_settings):
        event.listen(engine.sync_engine, "do_connect", _add_server_settings)
