"""store/bulk.py: rows written straight to the driver are stored exactly as
SQLAlchemy Core stores them, on SQLite and (with --backend postgresql) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import backends
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, update

from watcher.store import bulk
from watcher.store.db import Store, open_store
from watcher.store.models import Change, Item
from watcher.store.writes import CHANGE_COLUMNS, ITEM_COLUMNS

zones = st.sampled_from([UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-5, minutes=-30))])
moments = st.builds(
    lambda d, tz: d.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)), zones)
# Text the database must keep as given: NUL aside (PostgreSQL refuses it in text).
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
labels = st.lists(st.sampled_from(["KR", "JP", "EU", "US-CO", "draft", "delay"]), max_size=3)
dates = st.lists(st.fixed_dictionaries({"date": st.sampled_from(["2026-01-22", "2027-03", "2028"]),
                                        "kind": st.sampled_from(["effective", "deadline"])}), max_size=2)
entries = st.lists(st.tuples(texts, st.none() | texts, texts, st.none() | moments, st.booleans(), labels, labels,
                             dates, st.none() | texts), min_size=1, max_size=8)

# A timestamp on a whole second is where a driver's own datetime adapter and
# SQLAlchemy's SQLite format differ ("...:00" against "...:00.000000").
WHOLE_SECOND = datetime(2026, 12, 4, 9, 30, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    # `backends` as conftest imports it: the module whose BACKEND the --backend option sets.
    s = open_store(backends.store_url(tmp_path_factory.mktemp("bulk") / "store.db"))
    yield s
    s.close()


def _write(session: Any, source_id: str, rows: list[tuple], now: datetime, *, direct: bool) -> None:
    items = [(source_id, f"k{i}", url, title, text, "f" * 64, published, now, now)
             for i, (title, url, text, published, *_rest) in enumerate(rows)]
    if direct:
        bulk.insert_rows(session, Item.__table__, ITEM_COLUMNS, items)
    else:
        session.execute(insert(Item.__table__), [dict(zip(ITEM_COLUMNS, r, strict=True)) for r in items])
    ids = dict(session.execute(Item.__table__.select().with_only_columns(Item.key, Item.id)
                               .where(Item.source_id == source_id)).all())
    changes = [(ids[f"k{i}"], source_id, now, "new", title, url, published, text, relevant, codes, tags, ds,
                relevant, diff, None, text, ds or None, False)  # its own text, stated dates (JSON or NULL)
               for i, (title, url, text, published, relevant, codes, tags, ds, diff) in enumerate(rows)]
    if direct:
        bulk.insert_rows(session, Change.__table__, CHANGE_COLUMNS, changes)
    else:
        session.execute(insert(Change.__table__), [dict(zip(CHANGE_COLUMNS, r, strict=True)) for r in changes])


def _stored(session: Any, table: str, columns: tuple[str, ...], source_id: str) -> list[tuple]:
    """The rows as the driver returns them (no SQLAlchemy type processing on the way out)."""
    cols = ", ".join(c for c in columns if c not in ("source_id", "item_id"))
    order = "key" if table == "items" else "title, id"
    result = session.connection().exec_driver_sql(
        f"SELECT {cols} FROM {table} WHERE source_id = '{source_id}' ORDER BY {order}")
    return [tuple(row) for row in result]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=entries, now=moments)
@example(rows=[("t", None, "", WHOLE_SECOND, True, ["KR"], [], [], None)], now=WHOLE_SECOND)
def test_direct_rows_equal_core_rows(store: Store, rows: list[tuple], now: datetime) -> None:
    with store.session() as session:
        _write(session, "core", rows, now, direct=False)
        _write(session, "bulk", rows, now, direct=True)
        for table, columns in (("items", ITEM_COLUMNS), ("changes", CHANGE_COLUMNS)):
            assert _stored(session, table, columns, "bulk") == _stored(session, table, columns, "core")
        session.rollback()


def test_unknown_paramstyle_goes_through_core(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "_PLACEHOLDERS", {})
    bulk._statement.cache_clear()
    rows = [("title", "https://a.example/1", "body", WHOLE_SECOND, False, [], ["draft"], [], "diff")]
    try:
        with store.session() as session:
            _write(session, "core", rows, WHOLE_SECOND, direct=False)
            _write(session, "bulk", rows, WHOLE_SECOND, direct=True)
            assert _stored(session, "changes", CHANGE_COLUMNS, "bulk") == _stored(session, "changes", CHANGE_COLUMNS,
                                                                                  "core")
            session.rollback()
    finally:
        bulk._statement.cache_clear()


def test_no_rows_is_no_statement(store: Store) -> None:
    with store.session() as session:
        bulk.insert_rows(session, Item.__table__, ITEM_COLUMNS, [])
        assert _stored(session, "items", ITEM_COLUMNS, "core") == []


@pytest.mark.parametrize("chunk", [1000, 3])
def test_select_pairs_equal_core_selects(store: Store, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(bulk, "IN_CHUNK", chunk)  # 3: the IN list goes in several statements
    rows = [(f"title {i}", None, "", WHOLE_SECOND if i % 2 else None, True, [], [], [], None) for i in range(8)]
    later = WHOLE_SECOND + timedelta(microseconds=1)
    with store.session() as session:
        _write(session, "core", rows, WHOLE_SECOND, direct=False)
        _write(session, "other", rows, later, direct=False)  # same keys, another source and time
        keys = ["k1", "k4", "k7", "k0", "k5", "absent"]
        got = bulk.select_pairs(session, Item.__table__, "key", "id", {"source_id": "core", "key": keys})
        expected = dict(session.execute(Item.__table__.select().with_only_columns(Item.key, Item.id)
                                        .where(Item.source_id == "core", Item.key.in_(keys))).all())
        assert got == expected and len(got) == 5
        by_time = bulk.select_pairs(session, Change.__table__, "item_id", "id",
                                    {"source_id": "core", "detected_at": WHOLE_SECOND})
        assert len(by_time) == 8
        assert bulk.select_pairs(session, Change.__table__, "item_id", "id",
                                 {"source_id": "core", "detected_at": later}) == {}
        monkeypatch.setattr(bulk, "_PLACEHOLDERS", {})  # an unknown paramstyle: through Core, same answer
        assert bulk.select_pairs(session, Item.__table__, "key", "id", {"source_id": "core", "key": keys}) == got
        session.rollback()


UPDATED = ("url", "title", "text", "published", "changed_at")


def _update(session: Any, source_id: str, rows: list[tuple], now: datetime, *, direct: bool) -> None:
    """Rewrite every other item of `source_id` (their keys k0, k2, ...) from `rows`."""
    ids = dict(session.execute(Item.__table__.select().with_only_columns(Item.key, Item.id)
                               .where(Item.source_id == source_id)).all())
    new = [(url, title, text, published, now, ids[f"k{i}"])
           for i, (title, url, text, published, *_rest) in enumerate(rows) if i % 2 == 0]
    if direct:
        bulk.update_rows(session, Item.__table__, "id", UPDATED, new)
    else:
        for *values, item_id in new:
            session.execute(update(Item.__table__).where(Item.id == item_id).values(dict(zip(UPDATED, values, strict=True))))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=entries, changed=entries, now=moments)
@example(rows=[("t", None, "", None, True, [], [], [], None)] * 2,
         changed=[("u", "https://a.example/", "x", WHOLE_SECOND, True, [], [], [], None)] * 2, now=WHOLE_SECOND)
def test_direct_updates_equal_core_updates(store: Store, rows: list[tuple], changed: list[tuple], now: datetime) -> None:
    changed = (changed * len(rows))[: len(rows)]
    with store.session() as session:
        for source_id, direct in (("core", False), ("bulk", True)):
            _write(session, source_id, rows, WHOLE_SECOND, direct=False)
            _update(session, source_id, changed, now, direct=direct)
        assert _stored(session, "items", ITEM_COLUMNS, "bulk") == _stored(session, "items", ITEM_COLUMNS, "core")
        # The odd rows kept what they had: only the keyed rows changed.
        assert [r[2] for r in _stored(session, "items", ITEM_COLUMNS, "bulk")[1::2]] == [r[0] for r in rows[1::2]]
        session.rollback()


def test_updates_with_unknown_paramstyle_go_through_core(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "_PLACEHOLDERS", {})
    bulk._statement.cache_clear()
    rows = [("a", None, "x", None, False, [], [], [], None), ("b", None, "y", None, False, [], [], [], None)]
    changed = [("c", "https://a.example/1", "z", WHOLE_SECOND, False, [], [], [], None)] * 2
    try:
        with store.session() as session:
            for source_id, direct in (("core", False), ("bulk", True)):
                _write(session, source_id, rows, WHOLE_SECOND, direct=False)
                _update(session, source_id, changed, WHOLE_SECOND, direct=direct)
            stored = _stored(session, "items", ITEM_COLUMNS, "bulk")
            assert stored == _stored(session, "items", ITEM_COLUMNS, "core")
            assert stored[0][2] == "c" and stored[1][2] == "b"
            session.rollback()
    finally:
        bulk._statement.cache_clear()
