"""index of each document's title lexemes, so one-word relevance pages rank title matches only

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 03:00:00

A relevance search for one word ranks every match, yet with ``ts_rank``'s default weights a
listing that has the word in its title (weight A) always ranks above one that has it only in
its address or description: at least 0.6079 against at most 0.522 (decision 0008). So the
first pages of a one-word search come from the title matches alone, about a third of all
matches for the bench's words, and the index finds them through ``ts_filter(document,
'{a}')``: the document's weight-A lexemes with their A positions. An expression index, not a
column: the trigger of 0003 and every writer stay as they are.

A weight-restricted query (``document @@ 'word:A'``) on the existing index was measured
instead and does not help: the index keeps no weights, so every match is rechecked on the
table (~9 ms against ~4.5 ms for the title page through this index, 100,000 listings).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Without fastupdate, like the other document indexes (0002, 0003).
    op.execute(
        "CREATE INDEX ix_search_listing_documents_title ON search_listing_documents "
        "USING gin (ts_filter(document, '{a}'::\"char\"[])) WITH (fastupdate = off)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_search_listing_documents_title")
