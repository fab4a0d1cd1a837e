"""Crash safety (issue 7): `watcher poll` and `watcher digest` killed with SIGKILL at
random points lose nothing and duplicate nothing.

Twenty local feeds change round after round. Each seed of `random.Random(seed)`
picks a moment within the measured length of a run and SIGKILLs the run there:
poll seeds kill a poll (fetching, storing, or sending its instant webhook), digest
seeds kill `watcher digest` while it talks to a slow receiver. After each kill the
command is run again to completion, as systemd would restart it once the crashed
run's lease on its messages has run out (simulated by making every pending retry
due: `notify_helpers.make_due`).

Finally: the changes recorded equal those of a clean reference run over the same
feed versions (none missing, none twice), every queued delivery is marked sent and
reached its receiver, each kill cost at most one repeated message (the one in
flight), and (on SQLite) its integrity check passes. On PostgreSQL the same runs use a schema
of the test database (tests/backends.py).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import backends
import pytest
import yaml
from conftest import feed_route, rss
from notify_helpers import Receiver, Reply, make_due
from proc_helpers import kill_after, run_measured

from watcher.config import load_config
from watcher.demo.server import LocalServer
from watcher.poll import poll_sources
from watcher.store.db import open_store

FEEDS = 20
POLL_SEEDS = list(range(9))
DIGEST_SEEDS = list(range(100, 106))
DIGEST_CHANNELS = ("digest-a", "digest-b", "digest-c")
SLOW = 0.25  # seconds the digest receiver takes to accept each message


def feed_items(feed: int, version: int) -> list[dict[str, str]]:
    """Feed `feed` at `version`: one new entry per version, and on even feeds the
    previous version's entry retitled (an update)."""
    out = []
    for n in range(version + 1):
        title = f"Bulletin {feed}-{n} of the registry"
        if feed % 2 == 0 and n < version:
            title += f" (revised in {n + 1})"
        out.append({"guid": f"f{feed}-{n}", "title": title, "description": f"Notice {n} of feed {feed}.",
                    "link": f"http://127.0.0.1/f{feed}/{n}"})
    return out


def publish(server: LocalServer, version: int) -> None:
    for f in range(FEEDS):
        server.set(f"/f{f}.xml", feed_route(rss(feed_items(f, version))))


def write_config(path: Path, server: LocalServer, hook: Receiver) -> Path:
    data = {
        "defaults": {"timeout": "10s", "relevance": "all", "interval": "1h"},
        "sources": [{"id": f"feed-{f}", "name": f"Feed {f}", "jurisdiction": "INTL", "type": "feed",
                     "url": server.url(f"/f{f}.xml")} for f in range(FEEDS)],
        "channels": [{"id": "instant", "type": "webhook", "url": hook.url("/instant"), "mode": "instant"}]
                    + [{"id": c, "type": "webhook", "url": hook.url(f"/{c}")} for c in DIGEST_CHANNELS],
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def recorded(db: Path) -> Counter[tuple[Any, ...]]:
    return Counter(backends.sql(db, "SELECT c.source_id, i.key, c.kind, c.title, c.baseline FROM changes c "
                                    "JOIN items i ON i.id = c.item_id"))


def reference(tmp: Path, server: LocalServer, hook: Receiver, versions: int) -> Counter[tuple[Any, ...]]:
    """The changes a clean run records: one uninterrupted poll per feed version (in-process)."""
    db = tmp / "reference.db"
    config = load_config(write_config(tmp / "reference.yaml", server, hook))
    with open_store(backends.store_url(db)) as store:
        for version in range(versions + 1):
            publish(server, version)
            report = poll_sources(list(config.sources), store)
            assert not report.failures, report.failures
    return recorded(db)


def messages(hook: Receiver, since: int = 0) -> list[tuple[str, frozenset[int]]]:
    """(channel path, change ids) of every message the receiver accepted, in order."""
    return [(p.path, frozenset(c["id"] for c in p.json()["changes"])) for p in hook.posts[since:] if p.accepted]


def repeats(hook: Receiver, before: int) -> int:
    """Messages accepted after post number `before` that repeat a change already accepted."""
    seen: set[tuple[str, int]] = set()
    for path, ids in messages(hook)[:before]:
        seen |= {(path, i) for i in ids}
    count = 0
    for path, ids in messages(hook, before):
        if {(path, i) for i in ids} & seen:
            count += 1
        seen |= {(path, i) for i in ids}
    return count


@pytest.mark.timeout(240)
def test_sigkill_during_poll_and_digest_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    started = time.monotonic()
    db = tmp_path / "crash.db"
    log: list[str] = []
    with LocalServer() as server, Receiver() as hook:
        for c in DIGEST_CHANNELS:
            hook.script(f"/{c}", *[Reply(delay=SLOW) for _ in range(200)])
        expected = reference(tmp_path, server, hook, versions=len(POLL_SEEDS))
        config = write_config(tmp_path / "sources.yaml", server, hook)
        base = ["--config", str(config), "--db", backends.store_url(db)]

        # How long each command runs, from its latest uninterrupted run: kills land within that.
        cycle: dict[str, float] = {}
        kills = 0

        def complete(command: str) -> None:
            if cycle:
                make_due(db)  # the crashed run's lease has run out
            run = run_measured([*base, command], cwd=tmp_path, timeout=60)
            assert run.code == 0 and not run.timed_out, (command, run.code, run.out, run.err[-2000:])
            cycle[command] = run.seconds

        def kill(command: str, seed: int) -> int:
            """Run `command`, SIGKILLed at a moment drawn by `seed`, then again to completion;
            returns how many messages the recovery repeated."""
            nonlocal kills
            length = cycle.get(command) or cycle["poll"] + SLOW * len(DIGEST_CHANNELS)
            delay = random.Random(seed).uniform(0, length * 1.05)
            before = len(hook.posts)
            code = kill_after([*base, command], cwd=tmp_path, delay=delay, timeout=30)
            kills += code == -9
            complete(command)
            extra = repeats(hook, before)
            log.append(f"{command} seed {seed}: kill at {delay:.2f}s of {length:.2f}s -> "
                       f"{'killed' if code == -9 else f'finished first (exit {code})'}, {extra} repeated messages")
            return extra

        publish(server, 0)
        complete("poll")  # the baseline, uninterrupted
        digest_after = {r: [seed] for r, seed in enumerate(DIGEST_SEEDS, start=1)}
        for round_, seed in enumerate(POLL_SEEDS, start=1):
            publish(server, round_)
            assert kill("poll", seed) <= 1, log
            for dseed in digest_after.get(round_, []):
                assert kill("digest", dseed) <= 1, log
        complete("poll")
        complete("digest")

        got = recorded(db)
        assert sum(got.values()) == sum(expected.values()) > FEEDS * len(POLL_SEEDS)
        duplicated = {k: n for k, n in got.items() if n > 1}
        assert not duplicated, duplicated
        assert got == expected, (expected - got, got - expected)

        if backends.BACKEND == "sqlite":
            assert backends.sql(db, "PRAGMA integrity_check") == [("ok",)]
        pending = backends.sql(db, "SELECT channel_id, count(*) FROM deliveries WHERE status != 'sent' "
                                   "GROUP BY channel_id")
        queued = set(backends.sql(db, "SELECT channel_id, change_id FROM deliveries"))
        fresh = backends.sql(db, "SELECT count(*) FROM changes WHERE NOT baseline")[0][0]
        assert not pending, pending
        assert len(queued) == fresh * (1 + len(DIGEST_CHANNELS))
        arrived = {(path.lstrip("/"), i) for path, ids in messages(hook) for i in ids}
        assert queued <= arrived, sorted(queued - arrived)[:10]
        assert repeats(hook, 0) <= kills, log
    elapsed = time.monotonic() - started
    print("\n".join(log) + f"\n{kills} kills landed; {len(hook.posts)} messages; {elapsed:.0f}s")
