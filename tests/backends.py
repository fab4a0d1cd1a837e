"""Which database the tests' stores live in.

`pytest` runs every test on SQLite (a file per test). `pytest --backend postgresql`
runs the same tests on the PostgreSQL server named by $WATCHER_TEST_DATABASE_URL
(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test): each store is a fresh
schema of that database (the URL's search_path), dropped when the session ends.
Without the variable, or with the server unreachable, that run is skipped.

Tests that are about SQLite itself (its file, PRAGMAs, the file system under it)
are marked `sqlite_only` and skipped on PostgreSQL.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path
from typing import Any

BACKEND = "sqlite"  # set by conftest from --backend
_pg_urls: dict[str, str] = {}  # SQLite path a test would have used -> its PostgreSQL store
_schemas: list[str] = []


def base_url() -> str | None:
    return os.environ.get("WATCHER_TEST_DATABASE_URL") or None


def _connect() -> Any:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base_url() or "")
    return psycopg.connect(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username,
                           password=url.password, dbname=url.database, autocommit=True, connect_timeout=5)


def pg_unavailable() -> str | None:
    """Why the PostgreSQL run cannot happen (None when it can)."""
    if not base_url():
        return "WATCHER_TEST_DATABASE_URL is not set"
    try:
        with _connect() as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL at WATCHER_TEST_DATABASE_URL is unreachable: {str(exc).splitlines()[0]}"
    return None


def new_pg_store() -> str:
    """A fresh, empty schema; the URL of a store in it."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with _connect() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    _schemas.append(schema)
    sep = "&" if "?" in (base_url() or "") else "?"
    return f"{base_url()}{sep}options=-csearch_path%3D{schema}"


def drop_pg_stores() -> None:
    if not _schemas:
        return
    with _connect() as conn:
        for schema in _schemas:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    _schemas.clear()


def store_url(path: Path) -> str:
    """The store a test's SQLite file `path` stands for on the backend under test."""
    if BACKEND == "sqlite":
        return f"sqlite:///{path}"
    key = str(path)
    if key not in _pg_urls:
        _pg_urls[key] = new_pg_store()
    return _pg_urls[key]


def sql(db: Path, statement: str, *args: Any) -> list[tuple[Any, ...]]:
    """Run one SQL statement (qmark parameters) on the store standing for `db`."""
    if BACKEND == "sqlite":
        with sqlite3.connect(db) as conn:
            rows = conn.execute(statement, args).fetchall()
        conn.close()
        return rows
    schema = store_url(db).rsplit("search_path%3D", 1)[1]
    with _connect() as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        cur = conn.execute(statement.replace("?", "%s"), args)
        return [tuple(r) for r in cur.fetchall()] if cur.description else []


def store_bytes(db: Path) -> int:
    """What the store standing for `db` takes on disk: the SQLite file (without its
    -wal, checkpointed at close), or the PostgreSQL tables of its schema with their
    TOAST and indexes."""
    if BACKEND == "sqlite":
        return db.stat().st_size
    [(size,)] = sql(db, "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = current_schema() AND c.relkind = 'r'")
    return int(size)
