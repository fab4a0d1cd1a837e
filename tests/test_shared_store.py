"""The store as a team shares it (issue 9): migrations on both backends, the
PostgreSQL schema's types, source leases, `watcher db export` / `import` between
SQLite and PostgreSQL, and store URLs that are wrong or unreachable."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import backends
import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from conftest import Cli, Workdir, feed_route, items, rss, source
from sqlalchemy import create_engine, select, text

from watcher.demo.server import LocalServer
from watcher.store import claims
from watcher.store.db import SCHEMA_REVISION, open_store
from watcher.store.models import SourceState

MIGRATIONS = Path(__file__).resolve().parents[1] / "watcher" / "store" / "migrations"


def migrate_to(url: str, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def test_upgrade_from_a_0003_store_keeps_its_data(db_url: str) -> None:
    """A store made by the previous release (schema 0003) is upgraded in place on open."""
    migrate_to(db_url, "0003")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sources (id, consecutive_failures, next_poll_at) "
                          "VALUES ('old', 2, '2026-11-30 08:00:00')"))
    engine.dispose()
    with open_store(db_url) as store, store.session() as session:
        assert session.scalar(text("SELECT version_num FROM alembic_version")) == SCHEMA_REVISION
        old = session.get(SourceState, "old")
        assert old.consecutive_failures == 2 and old.claimed_by is None and old.claimed_until is None
        assert old.next_poll_at == datetime(2026, 11, 30, 8, tzinfo=UTC)


def test_instances_opening_a_new_store_together_migrate_it_once(db_url: str, work: Workdir, cli: Cli) -> None:
    """Several processes started at once on an empty store (as instances of `watcher run`
    do): all open it, none fails on another's half-made tables (PostgreSQL: an advisory
    lock around the migration; SQLite: its write lock)."""
    import subprocess

    from proc_helpers import child_env, watcher_exe

    work.write_config(text="sources: []\n")
    argv = [watcher_exe(), "--config", str(work.config), "--db", db_url, "db", "upgrade"]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env(), text=True)
             for _ in range(4)]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    assert [code for code, _ in results] == [0] * 4, results
    with open_store(db_url) as store, store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [SCHEMA_REVISION]


def test_db_upgrade_command(work: Workdir, cli: Cli) -> None:
    work.write_config(text="sources: []\n")
    run = cli("db", "upgrade")
    assert run.code == 0, run.err
    assert f"schema at revision {SCHEMA_REVISION}" in run.out
    assert cli("db", "upgrade").code == 0  # again: nothing to do


@pytest.mark.postgresql_only
def test_postgresql_schema_uses_its_own_types(db_url: str) -> None:
    with open_store(db_url) as store, store.engine.connect() as conn:
        types = dict(conn.execute(text(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'changes'")).all())
    assert types["detected_at"] == "timestamp with time zone"
    assert types["jurisdictions"] == types["tags"] == types["dates"] == "jsonb"


def test_claims_are_exclusive_and_expire(db_url: str) -> None:
    """Two instances claiming at once never get the same source; a lease left by a
    dead instance is taken over once it runs out; a polled source is not due again."""
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    lease = timedelta(seconds=30)
    ids = [f"s{n}" for n in range(40)]
    with open_store(db_url) as store:
        with ThreadPoolExecutor(4) as pool:
            got = list(pool.map(lambda owner: claims.claim_due(store, ids, owner, now, lease), ["a", "b", "c", "d"]))
        flat = [sid for claimed in got for sid in claimed]
        assert sorted(flat) == sorted(ids)  # each exactly once
        assert claims.claim_due(store, ids, "e", now + timedelta(seconds=29), lease) == []
        # "a" dies; its sources are free once the lease has run out.
        assert claims.claim_due(store, ids, "e", now + timedelta(seconds=31), lease) == sorted(flat)
        # A source polled (next poll set, lease released) is not due until its time.
        with store.session() as session:
            session.get(SourceState, "s1").next_poll_at = now + timedelta(hours=1)
        assert claims.release(store, "e") == len(ids)
        again = claims.claim_due(store, ids, "f", now + timedelta(minutes=2), lease)
        assert "s1" not in again and len(again) == len(ids) - 1
        with store.session() as session:
            owners = set(session.scalars(select(SourceState.claimed_by)))
        assert owners == {"f", None}


@pytest.mark.postgresql_only
def test_export_sqlite_import_postgresql_gives_identical_changes(server: LocalServer, work: Workdir, cli: Cli,
                                                                  tmp_path: Path, db_url: str) -> None:
    """SQLite -> JSON lines -> PostgreSQL -> JSON lines -> SQLite: `changes --format json`
    (and `show`, and the outbox) are identical at every step."""
    sqlite = f"sqlite:///{tmp_path / 'team.db'}"
    server.set("/a.xml", feed_route(rss(items("a", 3))))
    server.set("/k.xml", feed_route(rss([{"guid": "k1", "title": "인공지능 기본법 시행령 시행 1년 유예",
                                          "description": "과학기술정보통신부는 AI 기본법 시행령의 과태료 적용을 1년 유예한다."}])))
    work.write_config([source("a", server.url("/a.xml")), source("k", server.url("/k.xml"), "KR")],
                      channels=[{"id": "hook", "type": "webhook", "url": "http://127.0.0.1:9/"}])
    base = ["--config", str(work.config)]
    assert cli.raw(*base, "--db", sqlite, "poll").code == 0
    server.set("/a.xml", feed_route(rss(items("a", 5))))
    assert cli.raw(*base, "--db", sqlite, "poll").code in (0, 3)  # the webhook is unreachable: queued

    def changes(url: str) -> str:
        run = cli.raw(*base, "--db", url, "changes", "--all", "--limit", "0", "--format", "json")
        assert run.code == 0, run.err
        return run.out

    before = changes(sqlite)
    assert len(json.loads(before)) == 6
    dump = tmp_path / "store.jsonl"
    run = cli.raw(*base, "--db", sqlite, "db", "export", str(dump))
    assert run.code == 0 and "6 changes" in run.err, run.err
    run = cli.raw(*base, "--db", db_url, "db", "import", str(dump))
    assert run.code == 0, run.err
    assert changes(db_url) == before
    for n in ("1", "6"):
        assert (cli.raw(*base, "--db", db_url, "show", n, "--format", "json", "--evidence").out
                == cli.raw(*base, "--db", sqlite, "show", n, "--format", "json", "--evidence").out)
    assert (cli.raw(*base, "--db", db_url, "deliveries", "--format", "json").out
            == cli.raw(*base, "--db", sqlite, "deliveries", "--format", "json").out)
    # The id sequences moved past the imported rows: a new poll adds change 7.
    server.set("/a.xml", feed_route(rss(items("a", 6))))
    cli.raw(*base, "--db", db_url, "poll")
    assert json.loads(changes(db_url))[0]["id"] == 7

    # And back: PostgreSQL to a new SQLite store.
    back = tmp_path / "back.jsonl"
    assert cli.raw(*base, "--db", db_url, "db", "export", str(back)).code == 0
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    assert cli.raw(*base, "--db", copy, "db", "import", str(back)).code == 0
    assert changes(copy) == changes(db_url)
    # Importing into a store that already holds changes is refused, whole.
    again = cli.raw(*base, "--db", copy, "db", "import", str(back))
    assert again.code == 2 and "already holds" in again.err and "Traceback" not in again.err


def test_import_refuses_what_is_not_an_export(work: Workdir, cli: Cli, tmp_path: Path) -> None:
    work.write_config(text="sources: []\n")
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"hello": 1}\n', encoding="utf-8")
    run = cli("db", "import", str(junk))
    assert run.code == 2 and "not a watcher export" in run.err and "Traceback" not in run.err


def test_unreachable_or_wrong_database_url_is_one_line_without_the_password(work: Workdir, cli: Cli) -> None:
    from conftest import closed_port

    work.write_config(text="sources: []\n")
    url = f"postgresql+psycopg://watcher:s3cr3t-pw@127.0.0.1:{closed_port()}/watcher"
    for args in (("changes",), ("db", "upgrade"), ("sources",)):
        run = cli.raw("--config", str(work.config), "--db", url, *args)
        assert run.code == 3, (args, run.err)
        assert "s3cr3t-pw" not in run.err + run.out and "***" in run.err
        assert len(run.err.strip().splitlines()) == 1 and "cannot open the store" in run.err
    run = cli.raw("--config", str(work.config), "--db", "nosuchdriver://x:s3cr3t-pw@h/db", "changes")
    assert run.code == 3 and "s3cr3t-pw" not in run.err and "Traceback" not in run.err


def test_service_start_names_its_backend_and_instance(server: LocalServer, work: Workdir, tmp_path: Path) -> None:
    from service_helpers import ServiceProcess

    server.set("/a.xml", feed_route(rss(items("a", 1))))
    work.write_config([source("a", server.url("/a.xml"))])
    with ServiceProcess(work.config, work.db_url, tmp_path / "run.log") as svc:
        start = svc.events("service.start")[0]
        assert start["backend"] == backends.BACKEND and start["instance"]
        svc.wait_event("poll.source", source="a")
    with open_store(work.db_url) as store, store.session() as session:
        # The poll released its lease in the transaction that stored it.
        assert session.get(SourceState, "a").claimed_by is None
