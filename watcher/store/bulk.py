"""Many-row INSERTs handed to the database driver in one `executemany`, and the
id read-backs that follow them, as one plain SELECT.

SQLAlchemy Core builds and type-processes every row's parameters one value at a
time (~55 us of Python per stored item on a first poll, more than SQLite's own
work). `insert_rows` applies the same column types' bind processors (so the
stored values are exactly the Core path's) column by column instead: a value
repeated down a column (the poll's timestamp) is processed once, and the rest
through `map`. The statement text is rendered once per dialect and table.

Only for plain INSERTs of known columns (no RETURNING, no defaults to compute:
the caller gives every column it names); anything else goes through Core.
`select_pairs` reads two columns of the rows matching equalities and IN lists:
Core re-renders an IN list on every execution (~0.5 ms a first poll's source).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, select
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


# IN lists are sent in chunks of at most this many values (SQLite's default limit of
# variables in one statement is 32,766; a listing page has at most a few thousand items).
_IN_CHUNK = 1000


def select_pairs(session: Session, table: Table, key: str, value: str,
                 where: Mapping[str, Any]) -> dict[Any, Any]:
    """{`key`: `value`} of the rows of `table` where each column of `where` equals
    its value, or is in it when the value is a list (type-processed as Core does)."""
    connection = session.connection()
    dialect = connection.dialect
    mark = _PLACEHOLDERS.get(dialect.paramstyle)
    lists = {c: v for c, v in where.items() if isinstance(v, list)}
    if mark is None or len(lists) > 1:
        condition = [table.c[c].in_(v) if isinstance(v, list) else table.c[c] == v for c, v in where.items()]
        return dict(session.execute(select(table.c[key], table.c[value]).where(*condition)).all())
    quote = dialect.identifier_preparer.quote
    scalars = [(c, v) for c, v in where.items() if not isinstance(v, list)]
    params = [_bind(dialect, table, c, v) for c, v in scalars]
    sql = (f"SELECT {quote(key)}, {quote(value)} FROM {dialect.identifier_preparer.format_table(table)} WHERE "
           + " AND ".join(f"{quote(c)} = {mark}" for c, _ in scalars))
    if not lists:
        return dict(connection.exec_driver_sql(sql, tuple(params)).all())
    ((column, values),) = lists.items()
    process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    out: dict[Any, Any] = {}
    for at in range(0, len(values), _IN_CHUNK):
        chunk = values[at : at + _IN_CHUNK]
        marks = ", ".join(mark for _ in chunk)
        chunk_sql = f"{sql}{' AND ' if scalars else ''}{quote(column)} IN ({marks})"
        bound = list(map(process, chunk)) if process else chunk
        out.update(connection.exec_driver_sql(chunk_sql, (*params, *bound)).all())
    return out


def _bind(dialect: Dialect, table: Table, column: str, value: Any) -> Any:
    process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process else value
