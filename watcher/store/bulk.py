"""Many-row INSERTs handed to the database driver in one `executemany`.

SQLAlchemy Core builds and type-processes every row's parameters one value at a
time (~55 us of Python per stored item on a first poll, more than SQLite's own
work). `insert_rows` applies the same column types' bind processors (so the
stored values are exactly the Core path's) column by column instead: a value
repeated down a column (the poll's timestamp) is processed once, and the rest
through `map`. The statement text is rendered once per dialect and table.

Only for plain INSERTs of known columns (no RETURNING, no defaults to compute:
the caller gives every column it names); anything else goes through Core.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

# The DB-API placeholder of each positional parameter, by the driver's paramstyle.
# psycopg's "pyformat" accepts "%s" as well; other styles go through Core.
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


@functools.lru_cache(maxsize=64)  # per engine: tests open many
def _statement(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[str, tuple[Any, ...]] | None:
    """The INSERT text for `columns` of `table` and each column's bind processor
    (None where the driver takes the Python value as it is); None when the
    driver's paramstyle is not a positional one handled here."""
    mark = _PLACEHOLDERS.get(dialect.paramstyle)
    if mark is None:
        return None
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
           f"({', '.join(quote(c) for c in columns)}) VALUES ({', '.join(mark for _ in columns)})")
    # dialect_impl: the dialect's own form of each type (SQLite's DATETIME formats the
    # string itself; the generic DateTime's processor is None).
    processors = tuple(table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns)
    return sql, processors


def insert_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT `rows` (each a sequence of values in `columns` order) into `table`
    inside the session's transaction: the same stored values as
    `session.execute(insert(table), dicts)`, with one driver call."""
    if not rows:
        return
    connection = session.connection()
    prepared = _statement(connection.dialect, table, tuple(columns))
    if prepared is None:
        from sqlalchemy import insert

        session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    sql, processors = prepared
    if any(processors):
        values = list(zip(*rows, strict=True))
        for i, process in enumerate(processors):
            if process is not None:
                values[i] = _processed(process, values[i])
        rows = list(zip(*values, strict=True))
    connection.exec_driver_sql(sql, rows)


def _processed(process: Callable[[Any], Any], column: Sequence[Any]) -> list[Any]:
    """`process` applied down one column, once per distinct value where values hash
    (timestamps, flags: a first poll's rows share one detection time)."""
    try:
        distinct = {value: process(value) for value in set(column)}
    except TypeError:  # unhashable values (JSON lists and mappings)
        return list(map(process, column))
    return list(map(distinct.__getitem__, column))
