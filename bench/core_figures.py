"""The figures issue 2 asks for, measured on this machine (not part of the test run).

    python bench/core_figures.py [--changes 100000] [--feeds 200]

1. `watcher changes --jurisdiction KR --since 30d` on a store of N changes;
2. a warm `watcher poll` of M unchanged local feeds (all answering 304), the
   feeds served by a separate process so its CPU is not counted;
3. `watcher --help` start-up.
Each timing is the median of several runs of the real command.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

JURISDICTIONS = ["KR", "JP", "TW", "CN", "EU", "US", "US-CO", "US-CA", "GB", "SG"]
TAGS = ["new-decree", "draft", "delay", "enforcement-date", "guidance", "consultation"]


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one run of `cmd`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_run(cmd: list[str], times: int = 5, env: dict[str, str] | None = None) -> tuple[float, float]:
    runs = [run(cmd, env) for _ in range(times)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def build_store(db: Path, n: int) -> None:
    from sqlalchemy import insert

    from watcher.store.db import open_store
    from watcher.store.models import Change, ChangeJurisdiction, ChangeTag, Item

    rng = random.Random(1)
    now = datetime.now(UTC)
    with open_store(f"sqlite:///{db}") as store, store.session() as s:
        batch = 10_000
        for start in range(0, n, batch):
            items, changes, jur, tags = [], [], [], []
            for i in range(start + 1, min(n, start + batch) + 1):
                at = now - timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
                codes = [rng.choice(JURISDICTIONS)]
                t = rng.sample(TAGS, rng.randrange(0, 3))
                items.append({"id": i, "source_id": f"src-{i % 200}", "key": f"k{i}", "url": f"https://example.org/{i}",
                              "title": f"Item {i} about AI regulation", "text": "text " * 20, "fingerprint": "x" * 64,
                              "published": at, "first_seen_at": at, "changed_at": at})
                changes.append({"id": i, "item_id": i, "source_id": f"src-{i % 200}", "detected_at": at, "kind": "new",
                                "title": f"Item {i} about AI regulation", "url": f"https://example.org/{i}",
                                "published": at, "summary": "summary " * 10, "relevant": rng.random() < 0.7,
                                "jurisdictions": codes, "tags": t, "dates": [], "baseline": False, "diff": None})
                jur += [{"change_id": i, "code": c} for c in codes]
                tags += [{"change_id": i, "tag": x} for x in t]
            s.execute(insert(Item), items)
            s.execute(insert(Change), changes)
            s.execute(insert(ChangeJurisdiction), jur)
            if tags:
                s.execute(insert(ChangeTag), tags)
            s.commit()


FEED_SERVER = r"""
import sys, time
from watcher.demo.server import LocalServer, Route
n = int(sys.argv[1])
def feed(k):
    items = "".join(f"<item><guid>f{k}-{i}</guid><title>Feed {k} item {i}: AI rules</title><link>https://example.org/{k}/{i}</link><description>{'Lorem ipsum dolor sit amet. ' * 20}</description><pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate></item>" for i in range(50))
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {k}</title><link>https://example.org/</link><description>d</description>{items}</channel></rss>'.encode()
srv = LocalServer().start()
for k in range(n):
    srv.set(f"/feed{k}.xml", Route(feed(k), "application/rss+xml"))
print(srv.base_url, flush=True)
time.sleep(3600)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--changes", type=int, default=100_000)
    ap.add_argument("--feeds", type=int, default=200)
    args = ap.parse_args()
    watcher = [sys.executable, "-m", "watcher"]
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    wall, cpu = median_run(watcher + ["--help"], times=7)
    print(f"`watcher --help`: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU (median of 7)")

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "big.db"
        t0 = time.perf_counter()
        build_store(db, args.changes)
        print(f"built a store of {args.changes:,} changes in {time.perf_counter() - t0:.1f}s")
        cmd = watcher + ["--db", str(db), "changes", "--jurisdiction", "KR", "--since", "30d"]
        wall, cpu = median_run(cmd)
        print(f"`watcher changes --jurisdiction KR --since 30d` on {args.changes:,} changes: {wall * 1000:.0f} ms wall (median of 5)")
        wall, cpu = median_run(cmd + ["--format", "json"])
        print(f"  same with --format json: {wall * 1000:.0f} ms wall")

        server = subprocess.Popen([sys.executable, "-c", FEED_SERVER, str(args.feeds)], stdout=subprocess.PIPE, text=True)
        try:
            base = server.stdout.readline().strip()
            config = Path(tmp) / "feeds.yaml"
            lines = ["sources:"]
            for k in range(args.feeds):
                lines += [f"  - id: feed-{k}", "    jurisdiction: KR", "    type: feed", f"    url: {base}/feed{k}.xml"]
            config.write_text("\n".join(lines) + "\n")
            db2 = Path(tmp) / "poll.db"
            poll = watcher + ["--config", str(config), "--db", str(db2), "poll"]
            wall, cpu = run(poll)
            print(f"cold poll of {args.feeds} local feeds (50 entries each, baseline): {wall:.2f}s wall, {cpu:.2f}s CPU")
            wall, cpu = median_run(poll)
            print(f"warm poll of {args.feeds} unchanged local feeds (all 304): {wall:.2f}s wall, {cpu:.2f}s CPU (whole process, median of 5)")
        finally:
            server.terminate()


if __name__ == "__main__":
    main()
