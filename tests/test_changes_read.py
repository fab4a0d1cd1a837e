"""`watcher changes` reads a SQLite store without SQLAlchemy (watcher/store/changes.py).

That path must give exactly the rows of the ORM query it stands in for, on any filter,
and step aside wherever it does not apply (no store yet, a store to migrate).
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.store.changes import ChangeFilter, _sqlite_rows, change_rows
from watcher.store.db import open_store
from watcher.store.queries import change_as_dict, find_changes

pytestmark = pytest.mark.sqlite_only("the SQLite read path of `watcher changes`")

CODES = ["KR", "JP", "US", "US-CO", "US-CA", "EU", "DE", "INTL"]
TAGS = ["new-law", "draft", "delay", "guidance", "consultation"]
SOURCES = [f"src-{i}" for i in range(5)]
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from watcher.store.models import Change, ChangeJurisdiction, ChangeTag, Item

    url = f"sqlite:///{tmp_path_factory.mktemp('read') / 'store.db'}"
    rng = random.Random(7)
    with open_store(url) as store, store.session() as s:
        changes = []
        for i in range(1, 401):
            # Some changes share a detection time: the order then falls back to the id.
            at = NOW - timedelta(days=rng.randrange(0, 60), seconds=rng.choice([0, 0, 1.5, 3600.25]))
            published = None if i % 7 == 0 else at - timedelta(days=3)
            codes = rng.sample(CODES, rng.randrange(0, 3))
            tags = rng.sample(TAGS, rng.randrange(0, 3))
            dates = [{"date": "2027-01-22", "kind": "effective"}] if i % 5 == 0 else []
            s.add(Item(id=i, source_id=rng.choice(SOURCES), key=f"k{i}", url=None, title=f"t{i}",
                       fingerprint="x", published=published, first_seen_at=at, changed_at=at))
            changes.append(Change(id=i, item_id=i, source_id=rng.choice(SOURCES), detected_at=at, kind=rng.choice(["new", "updated"]),
                         title=f"Item {i} <b>&amp;</b> 인공지능", url=None if i % 3 == 0 else f"https://example.org/{i}",
                         published=published, summary=f"s{i}", relevant=rng.random() < 0.7, jurisdictions=codes,
                         tags=tags, dates=dates, baseline=rng.random() < 0.3, diff=None))
            changes += [ChangeJurisdiction(change_id=i, code=c) for c in codes]
            changes += [ChangeTag(change_id=i, tag=t) for t in tags]
        s.flush()  # the items first: the changes refer to them
        s.add_all(changes)
    return url


def orm_rows(url: str, flt: ChangeFilter) -> list[dict]:
    with open_store(url) as store, store.session() as session:
        return [change_as_dict(c) for c in find_changes(session, flt)]


filters = st.builds(
    ChangeFilter,
    jurisdictions=st.lists(st.sampled_from(CODES + ["CO", "FR"]), max_size=2, unique=True).map(tuple),
    tags=st.lists(st.sampled_from(TAGS), max_size=2, unique=True).map(tuple),
    sources=st.lists(st.sampled_from(SOURCES), max_size=2, unique=True).map(tuple),
    since=st.one_of(st.none(), st.integers(0, 70).map(lambda d: NOW - timedelta(days=d, minutes=30))),
    include_irrelevant=st.booleans(),
    limit=st.one_of(st.none(), st.integers(1, 50)),
    include_baseline=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(flt=filters)
def test_sqlite_path_gives_the_rows_of_the_orm_query(store_url: str, flt: ChangeFilter) -> None:
    fast = _sqlite_rows(store_url, flt)
    assert fast is not None
    assert fast == orm_rows(store_url, flt)


def test_the_filters_do_select(store_url: str) -> None:
    """The comparison above means something only if filters narrow the rows down."""
    everything = _sqlite_rows(store_url, ChangeFilter(include_irrelevant=True, limit=None))
    us = _sqlite_rows(store_url, ChangeFilter(jurisdictions=("US",), include_irrelevant=True, limit=None))
    assert everything is not None and us is not None
    assert len(everything) == 400 and 0 < len(us) < 400
    assert all(any(c == "US" or c.startswith("US-") for c in r["jurisdictions"]) for r in us)
    assert any("US-CO" in r["jurisdictions"] for r in us)
    first = everything[0]
    assert first["detected_at"].endswith("Z") and "T" in first["detected_at"]


def test_a_new_store_is_created_by_the_orm_path(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'store.db'}"
    assert _sqlite_rows(url, ChangeFilter()) is None  # no file: this path never creates one
    assert change_rows(url, ChangeFilter()) == []
    assert (tmp_path / "new" / "store.db").exists()
    assert _sqlite_rows(url, ChangeFilter()) == []  # now at the current schema


def test_a_store_at_another_revision_goes_through_the_orm_path(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    url = f"sqlite:///{db}"
    change_rows(url, ChangeFilter())
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    assert _sqlite_rows(url, ChangeFilter()) is None
    from watcher.errors import StoreError

    with pytest.raises(StoreError, match="newer than this watcher knows"):
        change_rows(url, ChangeFilter())


def test_changes_command_does_not_import_sqlalchemy(store_url: str) -> None:
    """The point of the path: `watcher changes` on SQLite starts without SQLAlchemy."""
    code = (
        "import sys\n"
        "from watcher.cli import main\n"
        f"main(['--db', {store_url!r}, 'changes', '--jurisdiction', 'KR', '--format', 'json'], standalone_mode=False)\n"
        "print('SQLALCHEMY' if 'sqlalchemy' in sys.modules else 'LEAN', file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip().endswith("LEAN")
    assert '"jurisdictions": [' in run.stdout
