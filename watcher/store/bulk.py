"""Many-row INSERTs and UPDATEs handed to the database driver in one `executemany`,
and the id read-backs that follow them, as one plain SELECT.

SQLAlchemy Core builds and type-processes every row's parameters one value at a
time (~55 us of Python per stored item on a first poll, more than SQLite's own
work). `insert_rows` applies the same column types' bind processors (so the
stored values are exactly the Core path's) column by column instead: a value
repeated down a column (the poll's timestamp) is processed once, and the rest
through `map`. The statement text is rendered once per dialect and table.

Only for plain INSERTs of known columns (no RETURNING, no defaults to compute:
the caller gives every column it names) and UPDATEs of known columns by key
(`update_rows`); anything else goes through Core.
`select_pairs` reads two columns of the rows matching equalities and IN lists:
Core re-renders an IN list on every execution (~0.5 ms a first poll's source).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

# The DB-API placeholder of each positional parameter, by the driver's paramstyle.
# psycopg's "pyformat" accepts "%s" as well; other styles go through Core.
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


@functools.lru_cache(maxsize=64)  # per engine: tests open many
def _statement(dialect: Dialect, table: Table, columns: tuple[str, ...],
               key: str | None = None) -> tuple[str, tuple[Any, ...]] | None:
    """The INSERT text for `columns` of `table` (or, given `key`, the UPDATE of
    `columns` where `key` equals the last parameter) and each parameter's bind
    processor (None where the driver takes the Python value as it is); None when
    the driver's paramstyle is not a positional one handled here."""
    mark = _PLACEHOLDERS.get(dialect.paramstyle)
    if mark is None:
        return None
    quote = dialect.identifier_preparer.quote
    name = dialect.identifier_preparer.format_table(table)
    if key is None:
        sql = f"INSERT INTO {name} ({', '.join(quote(c) for c in columns)}) VALUES ({', '.join(mark for _ in columns)})"
    else:
        sql = f"UPDATE {name} SET {', '.join(f'{quote(c)} = {mark}' for c in columns)} WHERE {quote(key)} = {mark}"
        columns = (*columns, key)
    processors = tuple(_processor(dialect, table, c) for c in columns)
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
        session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    _execute_many(connection, *prepared, rows)


def update_rows(session: Session, table: Table, key: str, columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE `columns` of the rows of `table` whose `key` column equals each row's
    last value (each row: the new values in `columns` order, then the key), inside
    the session's transaction, with one driver call."""
    if not rows:
        return
    connection = session.connection()
    prepared = _statement(connection.dialect, table, tuple(columns), key)
    if prepared is None:
        names = [f"new_{c}" for c in columns] + [f"old_{key}"]
        statement = update(table).where(table.c[key] == bindparam(f"old_{key}"))
        session.execute(statement.values({c: bindparam(f"new_{c}") for c in columns}),
                        [dict(zip(names, row, strict=True)) for row in rows])
        return
    _execute_many(connection, *prepared, rows)


def _execute_many(connection: Any, sql: str, processors: tuple[Any, ...], rows: Sequence[Sequence[Any]]) -> None:
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
IN_CHUNK = 1000


def select_pairs(session: Session, table: Table, key: str, value: str,
                 where: Mapping[str, Any]) -> dict[Any, Any]:
    """{`key`: `value`} of the rows of `table` where each column of `where` (at least
    one) equals its value, or is in it when the value is a list (at most one list).
    Values are type-processed as Core does."""
    connection = session.connection()
    dialect = connection.dialect
    mark = _PLACEHOLDERS.get(dialect.paramstyle)
    lists = {c: v for c, v in where.items() if isinstance(v, list)}
    if mark is None or len(lists) > 1 or not where:
        condition = [table.c[c].in_(v) if isinstance(v, list) else table.c[c] == v for c, v in where.items()]
        return dict(session.execute(select(table.c[key], table.c[value]).where(*condition)).all())
    quote = dialect.identifier_preparer.quote
    scalars = {c: v for c, v in where.items() if c not in lists}
    conditions = [f"{quote(c)} = {mark}" for c in scalars]
    params = tuple(_bound(dialect, table, c, [v])[0] for c, v in scalars.items())
    head = f"SELECT {quote(key)}, {quote(value)} FROM {dialect.identifier_preparer.format_table(table)} WHERE "
    if not lists:
        return dict(connection.exec_driver_sql(head + " AND ".join(conditions), params).all())
    ((column, values),) = lists.items()
    bound = _bound(dialect, table, column, values)
    out: dict[Any, Any] = {}
    for at in range(0, len(bound), IN_CHUNK):
        chunk = bound[at : at + IN_CHUNK]
        sql = head + " AND ".join([*conditions, f"{quote(column)} IN ({', '.join(mark for _ in chunk)})"])
        out.update(connection.exec_driver_sql(sql, (*params, *chunk)).all())
    return out


def _processor(dialect: Dialect, table: Table, column: str) -> Callable[[Any], Any] | None:
    """The bind processor Core applies to `column`'s values on `dialect` (None: the
    driver takes them as they are). dialect_impl: the dialect's own form of the type
    (SQLite's DATETIME formats the string itself; the generic DateTime has none)."""
    return table.c[column].type.dialect_impl(dialect).bind_processor(dialect)


def _bound(dialect: Dialect, table: Table, column: str, values: list[Any]) -> list[Any]:
    process = _processor(dialect, table, column)
    return _processed(process, values) if process else values
