"""The store: opening, migrations, refusing a newer schema, WAL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import backends
import pytest
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from conftest import Cli, Workdir
from sqlalchemy import inspect, text

import watcher.store.db as db
from watcher.errors import StoreError
from watcher.store.db import SCHEMA_REVISION, open_store
from watcher.store.models import Base, SourceState


def alembic_head() -> str:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(Path(db.__file__).parent / "migrations"))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    return heads[0]


def test_schema_revision_is_alembic_head() -> None:
    assert alembic_head() == SCHEMA_REVISION
    assert SCHEMA_REVISION in db.KNOWN_REVISIONS


def test_migrated_schema_matches_models(db_url: str) -> None:
    with open_store(db_url) as store:
        tables = set(inspect(store.engine).get_table_names())
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_REVISION
    assert set(Base.metadata.tables) <= tables
    indexes = {i["name"] for t in Base.metadata.tables for i in inspect(store.engine).get_indexes(t)}
    assert {"ix_changes_detected", "ix_change_jurisdictions_code", "ix_change_tags_tag"} <= indexes


def test_poll_states_are_the_sources_rows(db_url: str) -> None:
    """PollState is the `sources` row: a column added to the model must be added to it."""
    from watcher.store.writes import STATE_COLUMNS

    assert tuple(c.name for c in SourceState.__table__.columns) == STATE_COLUMNS


def test_save_states_writes_only_what_the_poll_set(db_url: str) -> None:
    """A 304 writes the source's health, not its body hash or baseline: a body stored
    meanwhile by another process (a `watcher run` beside a manual `watcher poll`) stays."""
    from datetime import UTC, datetime

    from watcher.store.writes import FAILURE_COLUMNS, SUCCESS_COLUMNS, load_states, save_states

    at = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    with open_store(db_url) as store:
        with store.session() as session:
            states = load_states(session, ["a", "b", "new"])
            session.commit()
            with store.session() as other:
                for sid in ("a", "b"):
                    row = other.get(SourceState, sid)
                    row.body_hash, row.baseline_at, row.last_success_at = "stored meanwhile", at, at
                other.commit()
            states["a"].last_status, states["a"].last_success_at, states["a"].etag = 304, at, '"v2"'
            states["a"].written = SUCCESS_COLUMNS
            states["b"].consecutive_failures, states["b"].last_error = 1, "timed out"
            states["b"].written = FAILURE_COLUMNS
            save_states(session, states.values())
            session.commit()
            assert all(not s.written for s in states.values())
        with store.session() as session:
            a, b, new = (session.get(SourceState, sid) for sid in ("a", "b", "new"))
            assert (a.last_status, a.etag, a.body_hash, a.baseline_at) == (304, '"v2"', "stored meanwhile", at)
            assert (b.consecutive_failures, b.last_error, b.last_success_at) == (1, "timed out", at)
            assert new is not None and new.consecutive_failures == 0 and new.body_hash is None


def test_open_twice_same_file(db_url: str) -> None:
    with open_store(db_url) as a, open_store(db_url) as b:
        with a.session() as s:
            s.add(SourceState(id="one", consecutive_failures=0))
        with b.session() as s:
            assert s.get(SourceState, "one") is not None
    with open_store(db_url) as c, c.session() as s:  # reopening a migrated store is fine too
        assert s.get(SourceState, "one") is not None


def test_wal_and_reads_while_a_write_is_open(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with open_store(f"sqlite:///{path}") as store:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        writer = sqlite3.connect(path)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO sources (id, consecutive_failures) VALUES ('w', 0)")
        with store.session() as s:  # a reader is not blocked by the open write
            assert s.query(SourceState).count() == 0
        writer.commit()
        writer.close()
        with store.session() as s:
            assert s.query(SourceState).count() == 1


def newer_store(path: Path) -> None:
    with open_store(backends.store_url(path)) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))


def test_newer_schema_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    newer_store(path)
    with pytest.raises(StoreError) as exc:
        open_store(backends.store_url(path))
    message = str(exc.value)
    assert "9999" in message and SCHEMA_REVISION in message and "upgrade watcher" in message


def test_newer_schema_refused_by_cli(work: Workdir, cli: Cli) -> None:
    work.write_config(text="sources: []\n")
    newer_store(work.db)
    for args in (("changes",), ("sources",), ("show", "1")):
        run = cli(*args)
        assert run.code == 3, args
        assert "9999" in run.err and "newer than this watcher knows" in run.err
        assert "Traceback" not in run.err
    run = cli.subprocess("changes", "--format", "json")
    assert run.code == 3 and "9999" in run.err and "Traceback" not in run.err
    assert run.out == ""


def test_unopenable_store_is_a_clear_error(tmp_path: Path, work: Workdir, cli: Cli) -> None:
    not_a_db = tmp_path / "garbage.db"
    not_a_db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as exc:
        open_store(f"sqlite:///{not_a_db}")
    assert str(not_a_db) in str(exc.value)
    work.write_config(text="sources: []\n")
    run = cli.raw("--config", str(work.config), "--db", f"sqlite:///{not_a_db}", "changes")
    assert run.code == 3 and "cannot open the store" in run.err and "Traceback" not in run.err


def test_bare_path_is_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "bare.db"
    with open_store(str(path)):
        pass
    assert path.exists()
