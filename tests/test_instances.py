"""Several `watcher run` instances on one PostgreSQL store (issue 9).

Three real `watcher run` processes share one PostgreSQL database and 50 local feeds
whose content keeps changing (a new entry every couple of seconds, and an edited
one on even feeds). One instance is killed with SIGKILL while polls are in flight.
After several cycles: every change is recorded exactly once, no source is polled
twice within an interval (the server counts the requests of each feed), and every
instant alert and every digest reaches its receiver exactly once.

On SQLite, a second instance on the same store is refused with a clear message.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import Cli, Workdir, feed_route, rss, source
from notify_helpers import Receiver
from service_helpers import ServiceProcess, Tracker, wait_for

from watcher.demo.server import LocalServer

FEEDS = 50
INTERVAL = 2.0  # seconds between polls of a source (plus up to 10% jitter)
LEASE = 4.0  # seconds before a dead instance's sources and messages are taken over
VERSION_EVERY = 2.5  # seconds between new versions of every feed
CHANGING = 24.0  # seconds the feeds keep changing


def entries(feed: int, version: int) -> list[dict[str, str]]:
    """Feed `feed` at `version`: one entry per version so far (the newest 12), and on
    even feeds the entry before the newest retitled (an update)."""
    out = []
    for n in range(max(0, version - 11), version + 1):
        title = f"Bulletin {feed}-{n} of the registry"
        if feed % 2 == 0 and n == version - 1:
            title += " (revised)"
        out.append({"guid": f"f{feed}-{n}", "title": title, "description": f"Notice {n} of feed {feed}.",
                    "link": f"http://127.0.0.1/f{feed}/{n}"})
    return out


class Publisher:
    """Puts a new version of every feed on the server every VERSION_EVERY seconds."""

    def __init__(self, server: LocalServer, tracker: Tracker):
        self.server, self.tracker = server, tracker
        self.version = 0
        self.stop = threading.Event()
        for f in range(FEEDS):
            # A little latency, so that polls are in flight when an instance is killed.
            server.set(f"/f{f}.xml", tracker.route(f"/f{f}.xml", feed_route(rss(entries(f, 0)), delay=0.05)))
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(VERSION_EVERY):
            self.version += 1
            for f in range(FEEDS):
                self.tracker.swap(f"/f{f}.xml", feed_route(rss(entries(f, self.version)), delay=0.05))


def posted_change_ids(hook: Receiver, path: str) -> list[int]:
    return [c["id"] for post in hook.accepted(path) for c in post.json()["changes"]]


@pytest.mark.postgresql_only
@pytest.mark.timeout(280)
def test_three_instances_one_killed_share_the_work_exactly_once(server: LocalServer, work: Workdir,
                                                                 cli: Cli) -> None:
    tracker = Tracker()
    publisher = Publisher(server, tracker)
    with Receiver() as hook:
        work.write_config(
            [source(f"feed-{f}", server.url(f"/f{f}.xml"), interval=f"{INTERVAL:g}s") for f in range(FEEDS)],
            channels=[{"id": "now", "type": "webhook", "mode": "instant", "url": hook.url("/instant")},
                      {"id": "daily", "type": "webhook", "url": hook.url("/digest"), "schedule": "* * * * *"}])
        assert cli("db", "upgrade").code == 0  # the schema first, as one does before starting a fleet
        instances = [ServiceProcess(work.config, work.db_url, work.path / f"run-{n}.log", tick=0.2,
                                    log_level="debug") for n in range(3)]
        for inst in instances:
            inst.argv += ["--lease", f"{LEASE:g}"]
        started = time.monotonic()
        try:
            for inst in instances:
                inst.start()
            publisher.thread.start()
            # Let a few cycles pass, then kill one while its polls are in flight.
            time.sleep(CHANGING / 3)
            victim = instances[1]
            wait_for(lambda: tracker.total_in_flight() > 0, "a poll in flight", timeout=10, every=0.005)
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait(timeout=10)
            killed_at = time.monotonic()
            time.sleep(max(0.0, started + CHANGING - time.monotonic()))
            publisher.stop.set()
            publisher.thread.join()
            final = publisher.version
            # Every source polls its last version; then a digest window starts after the
            # last change (a minute's schedule) and the survivors send it.
            wait_for(lambda: all(_title_seen(cli, f, final) for f in range(0, FEEDS, 7)), "the last versions stored",
                     timeout=30, every=0.5)
            changes = cli.changes()
            real = {c["id"] for c in changes if not c["baseline"]}
            wait_for(lambda: set(posted_change_ids(hook, "/digest")) >= real and
                     set(posted_change_ids(hook, "/instant")) >= real,
                     "every change sent in an instant alert and a digest", timeout=100, every=0.5)
            time.sleep(2 * 0.2 + 1)  # a tick or two more: nothing may be sent twice late
            ended = time.monotonic()
            for inst in (instances[0], instances[2]):
                inst.send(signal.SIGTERM)
            for inst in (instances[0], instances[2]):
                assert inst.wait_exit(15) == 0, inst.text()[-3000:]
        finally:
            publisher.stop.set()
            for inst in instances:
                inst.kill()

    changes = cli.changes()
    # Every change recorded exactly once: one `new` per entry, one `updated` per revision.
    seen = Counter((c["source"], c["title"], c["kind"]) for c in changes)
    assert [k for k, n in seen.items() if n > 1] == []
    for f in range(FEEDS):
        titles = {c["title"] for c in changes if c["source"] == f"feed-{f}"}
        newest = {e["title"] for e in entries(f, final)}
        assert newest <= titles, f"feed-{f} misses {newest - titles}"
    real = sorted(c["id"] for c in changes if not c["baseline"])
    assert len(real) > FEEDS * 3

    # No double polls: two requests for one feed are at least about an interval apart.
    gaps, polls = [], []
    for f in range(FEEDS):
        starts = sorted(tracker.starts(f"/f{f}.xml"))
        gaps += [b - a for a, b in zip(starts, starts[1:], strict=False)]
        polls.append(len(starts))
    span = ended - started
    assert min(gaps) >= INTERVAL * 0.75, f"a source was polled twice within {min(gaps):.2f}s"
    per_interval = sum(polls) / FEEDS / (span / INTERVAL)
    assert 0.5 <= per_interval <= 1.05, per_interval

    # Each instant alert and each digest delivered exactly once.
    instant, digest = Counter(posted_change_ids(hook, "/instant")), Counter(posted_change_ids(hook, "/digest"))
    assert [cid for cid, n in instant.items() if n > 1] == []
    assert [cid for cid, n in digest.items() if n > 1] == []
    assert sorted(instant) == real and sorted(digest) == real
    subjects = Counter((p.json()["subject"], p.json()["generated_at"]) for p in hook.accepted("/digest"))
    assert max(subjects.values()) == 1
    # All three instances did share the work, and the killed one's sources were taken over.
    by_instance = [len(inst.events("poll.source")) for inst in instances]
    assert all(n > 0 for n in by_instance), by_instance
    after_kill = [s for f in range(FEEDS) for s in tracker.starts(f"/f{f}.xml") if s > killed_at + LEASE + 1]
    assert after_kill
    print(f"\n3 instances, {FEEDS} feeds, {span:.0f}s: {len(changes)} changes ({len(real)} alerted), "
          f"polls per instance {by_instance}, {sum(polls)} requests = {per_interval:.2f} per source per interval, "
          f"smallest gap {min(gaps):.2f}s; instant messages {len(hook.accepted('/instant'))} "
          f"carrying {sum(instant.values())} changes, digests {len(hook.accepted('/digest'))} "
          f"carrying {sum(digest.values())}")


def _title_seen(cli: Cli, feed: int, version: int) -> bool:
    run = cli("changes", "--all", "--limit", "0", "--format", "json", "--source", f"feed-{feed}")
    return run.code == 0 and any(c["title"].startswith(f"Bulletin {feed}-{version} ") for c in run.json())


@pytest.mark.sqlite_only("one `watcher run` per SQLite store is the rule under test")
def test_second_instance_on_sqlite_is_refused(server: LocalServer, work: Workdir, tmp_path: Path) -> None:
    server.set("/a.xml", feed_route(rss(entries(0, 0))))
    work.write_config([source("a", server.url("/a.xml"))])
    with ServiceProcess(work.config, work.db_url, tmp_path / "first.log") as first:
        second = ServiceProcess(work.config, work.db_url, tmp_path / "second.log")
        with (tmp_path / "second.log").open("ab") as err:
            proc = subprocess.run(second.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                                  env=second.env, cwd=second.cwd, timeout=30)
        assert proc.returncode == 2
        message = second.text()
        assert "already using the SQLite store" in message and "PostgreSQL" in message
        assert "Traceback" not in message
        assert first.alive
        first.send(signal.SIGTERM)
        assert first.wait_exit(15) == 0
    # Once the first has stopped (its lock went with it), another may start.
    with ServiceProcess(work.config, work.db_url, tmp_path / "third.log") as third:
        time.sleep(0.5)
        third.send(signal.SIGTERM)
        assert third.wait_exit(15) == 0, third.text()
