"""`watcher db export` / `watcher db import`: a whole store as JSON lines, to move it
between backends (SQLite to PostgreSQL and back) without loss.

The first line is a header `{"watcher_export": 1, "schema": "0004"}`; then one line
per row, `{"table": "changes", "row": {...}}`, tables in foreign-key order, rows in
primary-key order. Timestamps are ISO 8601 with their UTC offset and microseconds,
binary columns (compressed evidence text) base64, JSON columns as they are. Ids are
kept, so `watcher show 42` names the same change on both sides; on PostgreSQL the id
sequences are moved past the imported ids.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import IO, Any

from sqlalchemy import Integer, LargeBinary, Table, func, insert, select, text

from watcher.errors import UsageError
from watcher.store.db import SCHEMA_REVISION, Store
from watcher.store.models import Base, UTCDateTime

FORMAT = 1
BATCH = 2000


def tables() -> list[Table]:
    """The store's tables, parents before children."""
    return list(Base.metadata.sorted_tables)


def export_store(store: Store, out: IO[str]) -> dict[str, int]:
    """Write the whole store to `out` as JSON lines; returns rows written per table."""
    counts: dict[str, int] = {}
    out.write(json.dumps({"watcher_export": FORMAT, "schema": SCHEMA_REVISION}) + "\n")
    with store.engine.connect() as conn:
        for table in tables():
            encoders = {c.name: _encoder(c.type) for c in table.columns}
            n = 0
            result = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*table.primary_key.columns))
            for row in result.mappings():
                data = {k: encoders[k](v) for k, v in row.items()}
                out.write(json.dumps({"table": table.name, "row": data}, ensure_ascii=False) + "\n")
                n += 1
            counts[table.name] = n
    return counts


def import_store(store: Store, lines: IO[str]) -> dict[str, int]:
    """Load an export into `store`, which must hold no changes, items or deliveries yet
    (UsageError otherwise). All or nothing: one transaction."""
    by_name = {t.name: t for t in tables()}
    header = _header(next(iter(lines), ""))
    if header.get("watcher_export") != FORMAT:
        raise UsageError("not a watcher export: the first line must be its header "
                         '{"watcher_export": 1, ...} (made by `watcher db export`)')
    counts: dict[str, int] = dict.fromkeys(by_name, 0)
    with store.engine.begin() as conn:
        for name in ("changes", "items", "deliveries", "digests"):
            if conn.scalar(select(func.count()).select_from(by_name[name])):
                raise UsageError(f"the target store already holds {name}: import into a new, empty store")
        pending: dict[str, list[dict[str, Any]]] = {}
        order = [t.name for t in tables()]
        for number, line in enumerate(lines, start=2):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                table = by_name[record["table"]]
                row = record["row"]
            except (ValueError, KeyError, TypeError):
                raise UsageError(f"line {number}: not a row of a watcher export") from None
            decoders = {c.name: _decoder(c.type) for c in table.columns}
            batch = pending.setdefault(table.name, [])
            try:
                batch.append({k: decoders[k](v) for k, v in row.items() if k in decoders})
            except (ValueError, TypeError) as exc:
                raise UsageError(f"line {number}: bad value in table {table.name}: {exc}") from None
            if len(batch) >= BATCH:
                # Rows come parents first; flush every earlier table before a child's batch.
                _flush(conn, by_name, pending, order[: order.index(table.name) + 1], counts)
        _flush(conn, by_name, pending, order, counts)
        if conn.dialect.name == "postgresql":
            for table in tables():
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and pk[0].autoincrement is not False and isinstance(pk[0].type, Integer):
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                        f"COALESCE((SELECT max({pk[0].name}) FROM {table.name}), 0) + 1, false)"))
    return counts


def _flush(conn, by_name: dict[str, Table], pending: dict[str, list[dict[str, Any]]],  # noqa: ANN001
           names: list[str], counts: dict[str, int]) -> None:
    for name in names:
        rows = pending.get(name)
        if rows:
            conn.execute(insert(by_name[name]), rows)
            counts[name] += len(rows)
            rows.clear()


def _header(line: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _encoder(type_: Any):  # noqa: ANN202
    if isinstance(type_, UTCDateTime):
        return lambda v: v.isoformat() if v is not None else None
    if isinstance(type_, LargeBinary):
        return lambda v: base64.b64encode(v).decode("ascii") if v is not None else None
    return lambda v: v


def _decoder(type_: Any):  # noqa: ANN202
    if isinstance(type_, UTCDateTime):
        return lambda v: datetime.fromisoformat(v) if v is not None else None
    if isinstance(type_, LargeBinary):
        return lambda v: base64.b64decode(v) if v is not None else None
    return lambda v: v
