"""The store stage: where changes are kept (models, writes, queries, migrations).

What every path needs to find a store and to know its schema lives here, free of
SQLAlchemy, so that the read path of `watcher changes` (`watcher.store.changes`) can
check them without importing it.
"""

from __future__ import annotations

import os

# The newest migration this code knows. tests/test_store.py checks it matches Alembic's head.
SCHEMA_REVISION = "0005"
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005")
DEFAULT_DB = "state/watcher.db"


def database_url(explicit: str | None = None) -> str:
    """The store URL: `explicit` (--db), else $WATCHER_DB, else SQLite at state/watcher.db.
    A bare path is taken as a SQLite file."""
    url = explicit or os.environ.get("WATCHER_DB") or DEFAULT_DB
    if "://" not in url:
        url = f"sqlite:///{url}"
    return url
