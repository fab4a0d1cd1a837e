"""What `watcher changes` reads: the filter, and the changes as SPEC.md's JSON rows.

`change_rows` is the one entry point. On a SQLite store at the schema this watcher
knows, it reads with the standard library's `sqlite3`, without importing SQLAlchemy:
importing SQLAlchemy costs more than the query itself (on a 2-core machine ~0.3 s of
the ~0.55 s that `changes --format json` took on 1,000,000 changes, against ~0.07 s
for the query). Every other case (PostgreSQL, a store that does not exist yet or
needs a migration, a SQLite URL with options) goes through the ORM query of
`watcher.store.queries`, which also creates and migrates the store. Both paths give
the same rows (tests/test_changes_read.py compares them on random filters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from watcher.store import SCHEMA_REVISION, database_url


@dataclass(frozen=True, slots=True)
class ChangeFilter:
    """What `watcher changes` asks for. Empty lists mean "any"."""

    jurisdictions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: datetime | None = None
    include_irrelevant: bool = False
    limit: int | None = 100
    include_baseline: bool = True  # False: only real changes (what channels and the Atom feed get)


def iso(value: datetime | None) -> str | None:
    """UTC ISO 8601 with a Z, to the second."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def change_rows(url: str | None, flt: ChangeFilter) -> list[dict[str, Any]]:
    """Changes matching `flt` as SPEC.md's JSON objects, newest detected first.

    `url` is the store (see `watcher.store.database_url`). A jurisdiction matches its
    subdivisions (US finds US-CO); several jurisdictions or tags mean any of them.
    Raises `StoreError` as `open_store` does.
    """
    url = database_url(url)
    rows = _sqlite_rows(url, flt)
    if rows is not None:
        return rows
    from watcher.store.db import open_store
    from watcher.store.queries import change_as_dict, find_changes

    with open_store(url) as store, store.session() as session:
        return [change_as_dict(c) for c in find_changes(session, flt)]


_COLUMNS = "id, detected_at, source_id, kind, title, url, published, summary, relevant, jurisdictions, tags, dates, baseline, corrected"


def _sqlite_rows(url: str, flt: ChangeFilter) -> list[dict[str, Any]] | None:
    """The rows read with `sqlite3`, or None when this path does not apply."""
    import os

    prefix = "sqlite:///"
    path = url[len(prefix) :] if url.startswith(prefix) else ""
    if not path or "?" in path or path.startswith((":memory:", "file:")) or not os.path.isfile(path):
        return None
    import sqlite3
    from urllib.parse import quote

    try:
        # mode=rw: an existing file only, never created here; the ORM path owns creation.
        conn = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=rw", uri=True, timeout=30)
    except sqlite3.Error:
        return None  # let the ORM path explain it
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        try:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            return None
        if revision is None or revision[0] != SCHEMA_REVISION:
            return None  # a new or older store: the ORM path creates or migrates it
        sql, params = _select(flt)
        return [_row(r) for r in conn.execute(sql, params)]
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _select(flt: ChangeFilter) -> tuple[str, list[Any]]:
    """The SELECT of `watcher.store.queries.find_changes_query`, written for SQLite."""
    where: list[str] = []
    params: list[Any] = []
    if flt.since is not None:
        where.append("c.detected_at >= ?")
        params.append(_sqlite_datetime(flt.since))
    if not flt.include_irrelevant:
        where.append("c.relevant IS 1")
    if not flt.include_baseline:
        where.append("c.baseline IS 0")
    if flt.sources:
        where.append(f"c.source_id IN ({', '.join('?' * len(flt.sources))})")
        params += flt.sources
    if flt.jurisdictions:
        either = " OR ".join("j.code = ? OR j.code LIKE ?" for _ in flt.jurisdictions)
        where.append(f"EXISTS (SELECT 1 FROM change_jurisdictions AS j WHERE j.change_id = c.id AND ({either}))")
        for code in flt.jurisdictions:
            params += [code, f"{code}-%"]
    if flt.tags:
        where.append(
            "EXISTS (SELECT 1 FROM change_tags AS t WHERE t.change_id = c.id "
            f"AND t.tag IN ({', '.join('?' * len(flt.tags))}))"
        )
        params += flt.tags
    sql = f"SELECT {_COLUMNS} FROM changes AS c"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY c.detected_at DESC, c.id DESC"
    if flt.limit:
        sql += " LIMIT ?"
        params.append(flt.limit)
    return sql, params


def _sqlite_datetime(value: datetime) -> str:
    # The text SQLAlchemy stores a UTC datetime as in SQLite (watcher.store.models.UTCDateTime),
    # zero-padded as SQLAlchemy pads it (strftime's %Y does not pad years before 1000).
    v = value.astimezone(UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"


def _stored_iso(value: str | None) -> str | None:
    return None if value is None else iso(datetime.fromisoformat(value).replace(tzinfo=UTC))


def _json_list(value: str | None) -> list[Any]:
    import json

    return (json.loads(value) if value else None) or []  # SQL NULL and JSON null alike


def _row(r: tuple[Any, ...]) -> dict[str, Any]:
    (id_, detected_at, source, kind, title, url, published, summary, relevant, jurisdictions, tags, dates,
     baseline, corrected) = r
    row: dict[str, Any] = {
        "id": id_,
        "detected_at": _stored_iso(detected_at),
        "source": source,
        "kind": kind,
        "title": title,
        "url": url,
        "published": _stored_iso(published),
        "summary": summary,
        "relevant": bool(relevant),
        "jurisdictions": _json_list(jurisdictions),
        "tags": _json_list(tags),
        "dates": _json_list(dates),
        "baseline": bool(baseline),
    }
    if corrected:
        row["corrected"] = True
    return row
