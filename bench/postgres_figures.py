"""The PostgreSQL figure issue 9 asks for, measured on this machine (not part of the test run).

    python bench/postgres_figures.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                     [--changes 1000000] [--keep]

Creates a fresh database (`watcher_bench`) on the server, migrates it with watcher's
own migrations, fills it with N changes spread over a year (items, changes and their
jurisdiction and tag rows, written with COPY), ANALYZEs it, then times the real
command `watcher changes --jurisdiction KR --tag delay --since 90d --format json`
(median of 7) and prints EXPLAIN (ANALYZE, BUFFERS) of the query it runs.
The distribution is bench/core_figures.py's: ten jurisdictions, 0-2 of six tags,
70% relevant.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from core_figures import JURISDICTIONS, TAGS


def build(url: str, n: int) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    from watcher.store.db import open_store

    open_store(url).close()  # the schema, by watcher's migrations
    u = make_url(url)
    rng = random.Random(1)
    now = datetime.now(UTC)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                         dbname=u.database) as conn, conn.cursor() as cur:
        with cur.copy("COPY items (id, source_id, key, url, title, text, fingerprint, published, first_seen_at, "
                      "changed_at) FROM STDIN") as items_copy:
            stamps = []
            for i in range(1, n + 1):
                at = now - timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
                stamps.append(at)
                items_copy.write_row((i, f"src-{i % 200}", f"k{i}", f"https://example.org/{i}",
                                      f"Item {i} about AI regulation", "text " * 20, "x" * 64, at, at, at))
        labels = []
        with cur.copy("COPY changes (id, item_id, source_id, detected_at, kind, title, url, published, summary, "
                      "relevant, jurisdictions, tags, dates, baseline, diff) FROM STDIN") as changes_copy:
            for i in range(1, n + 1):
                at = stamps[i - 1]
                codes = [rng.choice(JURISDICTIONS)]
                tags = rng.sample(TAGS, rng.randrange(0, 3))
                labels.append((codes, tags))
                changes_copy.write_row((i, i, f"src-{i % 200}", at, "new", f"Item {i} about AI regulation",
                                        f"https://example.org/{i}", at, "summary " * 10, rng.random() < 0.7,
                                        json.dumps(codes), json.dumps(tags), "[]", False, None))
        with cur.copy("COPY change_jurisdictions (change_id, code) FROM STDIN") as jur_copy:
            for i, (codes, _) in enumerate(labels, start=1):
                for code in codes:
                    jur_copy.write_row((i, code))
        with cur.copy("COPY change_tags (change_id, tag) FROM STDIN") as tag_copy:
            for i, (_, tags) in enumerate(labels, start=1):
                for tag in tags:
                    tag_copy.write_row((i, tag))
        for table in ("items", "changes"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n})")
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")


def timed(cmd: list[str], times: int = 7) -> tuple[float, list[float], int]:
    walls, count = [], 0
    for _ in range(times):
        started = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        walls.append(time.perf_counter() - started)
        count = len(json.loads(out))
    return statistics.median(walls), walls, count


def explain(url: str) -> str:
    from sqlalchemy import text

    from watcher.store.db import open_store
    from watcher.store.queries import ChangeFilter, find_changes_query

    flt = ChangeFilter(jurisdictions=("KR",), tags=("delay",), since=datetime.now(UTC) - timedelta(days=90))
    with open_store(url) as store, store.engine.connect() as conn:
        query = find_changes_query(flt)
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        rows = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)).scalars().all()
    return sql + "\n\n" + "\n".join(rows)


def in_process(url: str, times: int = 7) -> float:
    """The command's own work without Python's start-up and imports."""
    from watcher.store.db import open_store
    from watcher.store.queries import ChangeFilter, change_as_dict, find_changes

    walls = []
    for _ in range(times):
        started = time.perf_counter()
        flt = ChangeFilter(jurisdictions=("KR",), tags=("delay",), since=datetime.now(UTC) - timedelta(days=90))
        with open_store(url) as store, store.session() as session:
            json.dumps([change_as_dict(c) for c in find_changes(session, flt)])
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                    help="a database of the server, used to create and drop watcher_bench")
    ap.add_argument("--changes", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true", help="keep watcher_bench (and reuse it next time)")
    args = ap.parse_args()
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(args.url)
    url = admin.set(database="watcher_bench").render_as_string(hide_password=False)
    with psycopg.connect(host=admin.host, port=admin.port or 5432, user=admin.username, password=admin.password,
                         dbname=admin.database, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'watcher_bench'").fetchone()
        if exists and not args.keep:
            conn.execute("DROP DATABASE watcher_bench")
        if not exists or not args.keep:
            conn.execute("CREATE DATABASE watcher_bench")
            t0 = time.perf_counter()
            build(url, args.changes)
            print(f"built a PostgreSQL store of {args.changes:,} changes in {time.perf_counter() - t0:.0f}s")
        version = conn.execute("SHOW server_version").fetchone()[0]
    print(f"PostgreSQL {version}, Python {sys.version.split()[0]}")
    cmd = [sys.executable, "-m", "watcher", "--db", url, "changes", "--jurisdiction", "KR", "--tag", "delay",
           "--since", "90d", "--format", "json"]
    median, walls, count = timed(cmd)
    print(f"`watcher changes --jurisdiction KR --tag delay --since 90d --format json`: {median * 1000:.0f} ms wall "
          f"(median of {len(walls)}: {', '.join(f'{w * 1000:.0f}' for w in walls)} ms), {count} changes printed")
    _, walls_all, count_all = timed(cmd[:-2] + ["--limit", "0", "--format", "json"], times=5)
    print(f"  same with --limit 0 (all matches): {statistics.median(walls_all) * 1000:.0f} ms, {count_all} changes")
    print(f"  in-process (store open, query, JSON of the rows; no start-up): {in_process(url) * 1000:.0f} ms "
          "(median of 7)")
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the query:\n")
    print(explain(url))
    if not args.keep:
        with psycopg.connect(host=admin.host, port=admin.port or 5432, user=admin.username,
                             password=admin.password, dbname=admin.database, autocommit=True) as conn:
            conn.execute("DROP DATABASE watcher_bench")


if __name__ == "__main__":
    main()
