"""`watcher run`, the always-on service (issue 6).

The service runs as a real child process (`watcher run --tick 0.2`) against
feeds on 127.0.0.1 with second-scale intervals: polling on schedule, recording
changes, instant alerts, backoff and recovery, SIGHUP reload (and rejection of a
broken config), SIGTERM in the middle of a poll, JSON logs without secrets and
`watcher status`. Digest windows are driven in-process with an injected clock;
`next_poll_at` and the per-host pacer are unit-tested.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from tests.conftest import Cli, Workdir, feed_route, items, rss, source
from tests.notify_helpers import Receiver, Reply, sql
from tests.service_helpers import FakeClock, ServiceProcess, Tracker, wait_for
from watcher.config import ChannelConfig
from watcher.demo.server import LocalServer
from watcher.fetch import Fetcher, FetchLimits, FetchRequest, _Pacer
from watcher.notify.outbox import period_of
from watcher.schedule import MAX_BACKOFF, MAX_HINT, next_poll_at
from watcher.service import Service

FEED_TOKEN = "tok-5e3c9a71-feed-query"
WEBHOOK_SECRET = "whsec-77b2-service-never-logged"
SECRETS = {"FEED_TOKEN": FEED_TOKEN, "WEBHOOK_SECRET": WEBHOOK_SECRET}


def title(prefix: str, n: int) -> str:
    return f"Bulletin {prefix} number {n}"


def posted_titles(hook: Receiver, path: str, kind: str = "instant") -> list[str]:
    """Every change title the receiver accepted on `path`, one per change sent (repeats kept)."""
    out = []
    for post in hook.accepted(path):
        body = post.json()
        assert body["type"] == kind, body["type"]
        out.extend(c["title"] for c in body["changes"])
    return out


def write(work: Workdir, sources: list[dict[str, Any]], channels: list[dict[str, Any]] | None = None,
          timeout: str = "5s") -> None:
    work.write_config(sources, defaults={"timeout": timeout, "relevance": "all"}, channels=channels)


def service(work: Workdir, name: str = "run.log", **kw: Any) -> ServiceProcess:
    return ServiceProcess(work.config, work.db_url, work.path / name, env=SECRETS, **kw)


def stop(svc: ServiceProcess) -> int:
    svc.send(signal.SIGTERM)
    return svc.wait_exit(10)


# -- the service in a child process ---------------------------------------------------------------


def test_run_polls_on_schedule_records_changes_alerts_once_json_logs_without_secrets(
        server: LocalServer, work: Workdir, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)  # for the in-process `watcher changes/status` below
    tracker = Tracker()
    server.set("/a.xml", tracker.route("/a.xml", feed_route(rss(items("a", 2)))))
    server.set("/b.xml", tracker.route("/b.xml", feed_route(rss(items("b", 2)))))
    # A source whose URL carries a ${VAR} token and which fails with that URL in its error.
    loop = f"/loop?token={FEED_TOKEN}"
    server.set(loop, tracker.route(loop, feed_route(b"", status=302, headers={"Location": server.url(loop)})))
    with Receiver() as hook:
        write(work, [source("a", server.url("/a.xml"), interval="1s"),
                     source("b", server.url("/b.xml"), interval="2s"),
                     source("token", server.url("/loop?token=${FEED_TOKEN}"), interval="1s")],
              [{"id": "now", "type": "webhook", "mode": "instant", "url": hook.url("/hook"),
                "secret": "${WEBHOOK_SECRET}"}])
        with service(work) as svc:
            # On schedule: a about once a second, b about once every two, never early.
            wait_for(lambda: tracker.count("/a.xml") >= 5 and tracker.count("/b.xml") >= 3, "polls of a and b")
            assert cli("status").code == 0  # right after a poll: healthy

            # A change mid-run: recorded (not baseline) and alerted once.
            tracker.swap("/a.xml", feed_route(rss(items("a", 3))))
            wait_for(lambda: title("a", 3) in posted_titles(hook, "/hook"), "the instant alert")
            changes = wait_for(lambda: [c for c in cli.changes() if c["title"] == title("a", 3)], "the change")
            assert len(changes) == 1 and changes[0]["baseline"] is False and changes[0]["source"] == "a"
            recent = cli("changes", "--format", "json")
            assert recent.code == 0 and title("a", 3) in [c["title"] for c in recent.json()]
            seen = tracker.count("/a.xml")
            wait_for(lambda: tracker.count("/a.xml") >= seen + 2, "two more polls of a after the alert")
            assert stop(svc) == 0

    assert posted_titles(hook, "/hook") == [title("a", 3)]  # exactly once; the baseline is never sent
    post = hook.accepted("/hook")[0]  # signed with the ${WEBHOOK_SECRET} the log must never show
    assert post.headers["x-watcher-signature"] == "sha256=" + hmac.new(
        WEBHOOK_SECRET.encode(), post.body, hashlib.sha256).hexdigest()
    for path, interval in (("/a.xml", 1.0), ("/b.xml", 2.0)):
        starts = tracker.starts(path)
        gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
        assert min(gaps) >= 0.9 * interval, (path, gaps)  # never before its interval has passed
        assert statistics.median(gaps) <= 3 * interval, (path, gaps)  # and not starved either
        assert tracker.peak[path] == 1
    assert tracker.count("/b.xml") < tracker.count("/a.xml")

    # Logs: one JSON object per line, with event, source and durations; no secret anywhere.
    log = svc.text()
    lines = svc.lines()
    assert lines and all(isinstance(json.loads(line), dict) and json.loads(line)["event"] for line in lines), log
    names = {e["event"] for e in svc.events()}
    assert {"service.start", "poll.source", "poll.cycle", "delivery.sent", "service.stop"} <= names, names
    assert all(e["source"] for e in svc.events("poll.source"))
    assert all(isinstance(e["ms"], int) for e in svc.events("poll.cycle"))
    failed = svc.events("poll.source", source="token", status="error")
    # The URL as configured: the token's place holds ${FEED_TOKEN}, its value never.
    assert failed and "redirects" in failed[0]["error"] and "token=${FEED_TOKEN}" in failed[0]["error"], failed[:1]
    assert FEED_TOKEN not in log and WEBHOOK_SECRET not in log


def _datetime(value: Any) -> datetime:
    """A timestamp read with raw SQL: text on SQLite, a datetime on PostgreSQL."""
    value = datetime.fromisoformat(value) if isinstance(value, str) else value
    return value.replace(tzinfo=None) if value.tzinfo else value


def test_failing_source_backs_off_then_recovers(server: LocalServer, work: Workdir, cli: Cli) -> None:
    tracker = Tracker()
    server.set("/ok.xml", tracker.route("/ok.xml", feed_route(rss(items("ok", 1)))))
    server.set("/flaky.xml", tracker.route("/flaky.xml", feed_route(b"down", status=500, content_type="text/plain")))
    write(work, [source("ok", server.url("/ok.xml"), interval="1s"),
                 source("flaky", server.url("/flaky.xml"), interval="1s")])
    snapshots: list[tuple[int, float]] = []  # (failures in a row, seconds from that failure to the next poll)

    def failing(at_least: int) -> dict[str, Any] | None:
        row = cli.sources()["flaky"]
        if row["consecutive_failures"] >= at_least:
            (error_at, next_at), = sql(work.db, "SELECT last_error_at, next_poll_at FROM sources WHERE id='flaky'")
            gap = (_datetime(next_at) - _datetime(error_at)).total_seconds()
            if not snapshots or snapshots[-1][0] != row["consecutive_failures"]:
                snapshots.append((row["consecutive_failures"], gap))
            return row
        return None

    with service(work) as svc:
        wait_for(lambda: failing(1), "a first failure")
        row = wait_for(lambda: failing(3), "three failures in a row")
        assert row["state"] == "failing" and "500" in row["last_error"] and row["next_poll"]
        assert svc.alive and cli.sources()["ok"]["state"] == "ok"  # the others carry on
        tracker.swap("/flaky.xml", feed_route(rss(items("flaky", 1))))
        row = wait_for(lambda: (r := cli.sources()["flaky"])["consecutive_failures"] == 0 and r, "the recovery",
                       timeout=20)
        assert row["state"] == "ok" and row["last_error"] is None and row["items"] == 1
        assert stop(svc) == 0

    # Backoff: the delay after n failures in a row is 2^(n-1) intervals (+ jitter below 10%).
    by_failures = dict(snapshots)
    for n, gap in by_failures.items():
        assert 2 ** (n - 1) <= gap <= 2 ** (n - 1) * 1.1 + 0.01, snapshots
    assert max(by_failures) >= 3 and len(by_failures) >= 2, snapshots
    starts = tracker.starts("/flaky.xml")
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert gaps[0] >= 0.9 and gaps[1] >= 1.9 and gaps[2] >= 3.9, gaps  # 1 s, 2 s, 4 s apart at least
    assert any(e["event"] == "poll.source" and e.get("status") == "error" and e["source"] == "flaky"
               for e in svc.events())


def test_sighup_reloads_and_rejects_a_broken_config(server: LocalServer, work: Workdir, cli: Cli) -> None:
    tracker = Tracker()
    for name in ("a", "b", "c"):
        server.set(f"/{name}.xml", tracker.route(f"/{name}.xml", feed_route(rss(items(name, 1)))))
    write(work, [source("a", server.url("/a.xml"), interval="1s")])
    with service(work) as svc:
        wait_for(lambda: tracker.count("/a.xml") >= 1, "a first poll")
        # A new source, then SIGHUP: it is polled without a restart.
        write(work, [source("a", server.url("/a.xml"), interval="1s"),
                     source("b", server.url("/b.xml"), interval="1s")])
        svc.send(signal.SIGHUP)
        (reloaded,) = svc.wait_event("config.reloaded")
        assert reloaded["sources"] == 2
        wait_for(lambda: tracker.count("/b.xml") >= 2, "polls of the added source")

        # A broken one: rejected, named, and the old configuration keeps running.
        work.write_config(text=yaml.safe_dump({"defaults": {"timeout": "5s", "relevance": "all"}, "sources": [
            source("a", server.url("/a.xml"), interval="1s"),
            source("c", server.url("/c.xml"), interval="soon")]}))
        svc.send(signal.SIGHUP)
        (rejected,) = svc.wait_event("config.rejected")
        assert rejected["level"] == "error" and "interval" in rejected["error"] and "soon" in rejected["error"]
        after = time.monotonic()
        wait_for(lambda: tracker.count("/a.xml", since=after) >= 2 and tracker.count("/b.xml", since=after) >= 2,
                 "polling to continue with the previous configuration")
        assert svc.alive and tracker.count("/c.xml") == 0

        # A rejected config whose fault quotes a ${VAR} value: the value is blanked in the log.
        write(work, [source("a", server.url("/a.xml"), interval="1s"),
                     source("d", "ftp://127.0.0.1/feed?token=${FEED_TOKEN}", interval="1s")])
        svc.send(signal.SIGHUP)
        rejected = svc.wait_event("config.rejected", count=2)[-1]
        assert "ftp" in rejected["error"] and "token=***" in rejected["error"], rejected
        assert FEED_TOKEN not in svc.text()

        # Invalid YAML too.
        work.config.write_text("sources: [unclosed\n", encoding="utf-8")
        svc.send(signal.SIGHUP)
        svc.wait_event("config.rejected", count=3)
        after = time.monotonic()
        wait_for(lambda: tracker.count("/b.xml", since=after) >= 1, "polling after the second rejection")
        assert len(svc.events("config.reloaded")) == 1
        assert stop(svc) == 0
    assert svc.events("service.stop")


def test_sigterm_mid_poll_exits_fast_and_a_restart_neither_loses_nor_repeats(
        server: LocalServer, work: Workdir, cli: Cli) -> None:
    n = 20
    tracker = Tracker()
    names = [f"f{i:02d}" for i in range(n)]
    for name in names:
        server.set(f"/{name}.xml", tracker.route(f"/{name}.xml", feed_route(rss(items(name, 1)))))
    with Receiver() as hook:
        write(work, [source(name, server.url(f"/{name}.xml"), interval="1s") for name in names],
              [{"id": "now", "type": "webhook", "mode": "instant", "url": hook.url("/hook")}], timeout="30s")
        first = service(work, "run1.log")
        with first:
            first.wait_event("poll.source", status="baseline", count=n)
            # Every feed gains an item and answers slowly: one cycle now takes
            # ~15 s (two requests at a time to this host), far longer than the interval.
            for name in names:
                tracker.swap(f"/{name}.xml", feed_route(rss(items(name, 2)), delay=1.5))
            first.wait_event("poll.source", status="changed")
            wait_for(lambda: tracker.total_in_flight() > 0, "requests in flight")
            first.send(signal.SIGTERM)
            signalled = time.monotonic()
            code = first.wait_exit(12)
            took = time.monotonic() - signalled
        assert code == 0 and took < 10, (code, took, first.text()[-2000:])
        assert first.events("service.stop")
        assert any(h.started < signalled and (h.ended is None or h.ended > signalled)
                   for hits in tracker.hits.values() for h in hits), "SIGTERM came between requests"
        done_before = {e["source"] for e in first.events("poll.source", status="changed")}
        assert 1 <= len(done_before) < n
        # Never two polls of one source at once, though a cycle outlasted the interval many times over.
        assert max(tracker.peak.values()) == 1, dict(tracker.peak)
        # The requests the stopped service abandoned end on the server's side before the restart.
        wait_for(lambda: tracker.total_in_flight() == 0, "the abandoned requests to end")
        tracker.reset_peaks()

        for name in names:  # fast again, so the restart's cycle is short
            tracker.swap(f"/{name}.xml", feed_route(rss(items(name, 2))))
        second = service(work, "run2.log")
        with second:
            wait_for(lambda: len(set(posted_titles(hook, "/hook"))) >= n, "an alert for every change")
            mark = time.monotonic()
            wait_for(lambda: all(tracker.count(f"/{name}.xml", since=mark) >= 2 for name in names),
                     "two more polls of every feed")
            assert stop(second) == 0

    changes = cli.changes()
    titles = [c["title"] for c in changes]
    for name in names:
        assert titles.count(title(name, 1)) == 1 and titles.count(title(name, 2)) == 1, name
    assert sorted(c["title"] for c in changes if not c["baseline"]) == sorted(title(name, 2) for name in names)
    assert sorted(posted_titles(hook, "/hook")) == sorted(title(name, 2) for name in names)  # each exactly once
    assert max(tracker.peak.values()) == 1, dict(tracker.peak)


# -- watcher status ---------------------------------------------------------------------------------------


def test_status_healthy_after_a_poll_unhealthy_when_stale(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set("/a.xml", feed_route(rss(items("a", 1))))
    server.set("/b.xml", feed_route(rss(items("b", 1))))
    write(work, [source("a", server.url("/a.xml"), interval="1s"), source("b", server.url("/b.xml"), interval="1h")])
    never = cli("status")
    assert never.code == 3 and "unhealthy: last poll never" in never.err

    assert cli("poll").code == 0
    ok = cli("status")
    assert ok.code == 0 and ok.out.startswith("healthy: last poll ") and "0 of 2 sources failing" in ok.out
    report = cli("status", "--format", "json")
    assert report.code == 0 and report.json()["healthy"] is True and report.json()["limit_seconds"] == 2

    # The last poll older than twice the shortest interval (1s): the service looks stalled.
    stale = (datetime.now(UTC) - timedelta(seconds=3)).replace(tzinfo=None).isoformat(sep=" ")
    sql(work.db, "UPDATE sources SET last_attempt_at = ?", stale)
    bad = cli("status")
    assert bad.code == 3 and bad.out == ""
    assert "unhealthy: last poll" in bad.err and "expected one within 2s" in bad.err and "watcher run" in bad.err
    assert cli("status", "--format", "json").json()["healthy"] is False


def test_status_turns_unhealthy_once_the_service_stops(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set("/a.xml", feed_route(rss(items("a", 1))))
    write(work, [source("a", server.url("/a.xml"), interval="1s")])
    with service(work) as svc:
        svc.wait_event("poll.source", source="a")
        assert cli.subprocess("status").code == 0
        assert stop(svc) == 0
    wait_for(lambda: cli("status").code == 3, "status to report the stall", timeout=10)
    run = cli.subprocess("status")
    assert run.code == 3 and run.err.startswith("unhealthy: last poll ") and "expected one within 2s" in run.err


# -- digests on their schedule, with an injected clock ------------------------------------------------------


class Scenario:
    """A Service driven in-process by a FakeClock: one feed, one webhook channel."""

    def __init__(self, server: LocalServer, work: Workdir, hook: Receiver, start: datetime, **channel: Any):
        self.server, self.hook = server, hook
        self.n = 1
        self.server.set("/feed.xml", feed_route(rss(items("d", self.n))))
        write(work, [source("d", server.url("/feed.xml"), interval=channel.pop("interval", "1m"))],
              [{"id": "daily", "type": "webhook", "url": hook.url("/digest"), **channel}])
        self.clock = FakeClock(start)
        self.service = Service(str(work.config), work.db_url, clock=self.clock)
        self.sent_at: list[datetime] = []  # the (fake) time of each digest sent

    def add_item(self) -> str:
        self.n += 1
        self.server.set("/feed.xml", feed_route(rss(items("d", self.n))))
        return title("d", self.n)

    def tick_at(self, when: datetime) -> int:
        """One tick at `when`; returns the number of digests it sent."""
        self.clock.set(when)
        before = len(self.hook.accepted("/digest"))
        self.service.tick()
        sent = len(self.hook.accepted("/digest")) - before
        self.sent_at.extend([when] * sent)
        return sent

    def digests(self) -> list[list[str]]:
        return [[c["title"] for c in p.json()["changes"]] for p in self.hook.accepted("/digest")]

    def close(self) -> None:
        self.service.store.close()


@pytest.fixture
def hook() -> Any:
    with Receiver() as receiver:
        yield receiver


def no_failed_ticks(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.getMessage() == "tick.failed"], caplog.text


def test_digest_once_per_window_in_its_time_zone(server: LocalServer, work: Workdir, hook: Receiver,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    kst = ZoneInfo("Asia/Seoul")
    s = Scenario(server, work, hook, datetime(2026, 3, 2, 7, 0, tzinfo=kst), schedule="0 8 * * *",
                 timezone="Asia/Seoul")
    try:
        day = datetime(2026, 3, 2, tzinfo=kst)
        # First start at 07:00: yesterday's 08:00 window has begun and is handled now
        # (nothing waits: the feed's first poll is its baseline), and only once.
        assert s.tick_at(day.replace(hour=7)) == 0
        first = s.add_item()
        assert s.tick_at(day.replace(hour=7, minute=30)) == 0  # polled and queued; the window was handled
        assert s.tick_at(day.replace(hour=7, minute=59)) == 0
        assert s.tick_at(day.replace(hour=8)) == 1  # the window opens: one digest
        assert s.tick_at(day.replace(hour=8, second=30)) == 0
        second = s.add_item()
        assert s.tick_at(day.replace(hour=8, minute=10)) == 0  # queued for tomorrow's window
        assert s.tick_at(day.replace(hour=8, minute=30)) == 0
        assert s.tick_at(day.replace(hour=23, minute=59)) == 0
        next_day = day + timedelta(days=1)
        assert s.tick_at(next_day.replace(hour=7, minute=59)) == 0
        assert s.tick_at(next_day.replace(hour=8)) == 1
        assert s.tick_at(next_day.replace(hour=8, minute=1)) == 0
        assert s.digests() == [[first], [second]]
        assert [t.astimezone(UTC).hour for t in s.sent_at] == [23, 23]  # 08:00 KST is 23:00 UTC
        # The same window seen by a restarted service is not sent again.
        s.close()
        s.service = Service(str(work.config), work.db_url, clock=s.clock)
        assert s.tick_at(next_day.replace(hour=9)) == 0
    finally:
        s.close()
    no_failed_ticks(caplog)


def test_digest_missed_window_is_caught_up_once_at_start(server: LocalServer, work: Workdir, hook: Receiver,
                                                         cli: Cli, caplog: pytest.LogCaptureFixture) -> None:
    kst = ZoneInfo("Asia/Seoul")
    day = datetime(2026, 3, 2, tzinfo=kst)
    s = Scenario(server, work, hook, day.replace(hour=6), schedule="0 8 * * *", timezone="Asia/Seoul")
    try:
        assert s.tick_at(day.replace(hour=6)) == 0  # baseline
        s.service.store.close()
        queued = s.add_item()
        # The service is down over the 08:00 window; a change is queued meanwhile.
        s.service = Service(str(work.config), work.db_url, clock=s.clock)
        s.clock.set(day.replace(hour=7, minute=30))
        s.service.poll_due(s.service.config)
        s.service.store.close()
        s.service = Service(str(work.config), work.db_url, clock=s.clock)
        assert s.tick_at(day.replace(hour=11)) == 1  # caught up at start
        assert s.tick_at(day.replace(hour=11, minute=1)) == 0
        assert s.digests() == [[queued]]
    finally:
        s.close()
    no_failed_ticks(caplog)


DST_CASES = [
    # schedule, start (UTC), days, minutes between ticks
    pytest.param("0 8 * * *", datetime(2026, 3, 6, tzinfo=UTC), 4, 20, id="spring-forward-0800"),
    pytest.param("0 8 * * *", datetime(2026, 10, 30, tzinfo=UTC), 4, 20, id="fall-back-0800"),
    pytest.param("30 2 * * *", datetime(2026, 3, 7, tzinfo=UTC), 3, 10, id="spring-forward-0230-skipped-hour"),
]


@pytest.mark.parametrize(("schedule", "start", "days", "step"), DST_CASES)
def test_digest_once_per_day_across_dst(server: LocalServer, work: Workdir, hook: Receiver,
                                        caplog: pytest.LogCaptureFixture, schedule: str, start: datetime,
                                        days: int, step: int) -> None:
    ny = ZoneInfo("America/New_York")
    s = Scenario(server, work, hook, start, schedule=schedule, timezone="America/New_York", interval="6h")
    expected: list[str] = []
    try:
        at = start
        s.tick_at(at)  # baseline, and the window in progress is handled
        expected.append(s.add_item())  # something for the first window
        while at < start + timedelta(days=days):
            local = at.astimezone(ny)
            if (local.hour, local.minute) in ((5, 0), (17, 0)):
                expected.append(s.add_item())  # two changes a day, either side of each window
            s.tick_at(at)
            at += timedelta(minutes=step)
    finally:
        s.close()
    no_failed_ticks(caplog)
    local_days = [t.astimezone(ny).date() for t in s.sent_at]
    assert len(local_days) == len(set(local_days)) == days, [t.astimezone(ny).isoformat() for t in s.sent_at]
    fire_hour, fire_minute = int(schedule.split()[1]), int(schedule.split()[0])
    for t in s.sent_at:
        local = t.astimezone(ny)
        if (local.hour, local.minute) != (fire_hour, fire_minute):
            # The only exception: a local time that does not exist that day (02:30 on the spring-forward day).
            assert (fire_hour, local.date()) == (2, datetime(2026, 3, 8).date()) and local.hour == 3, local
    sent = [t for digest in s.digests() for t in digest]
    assert all(s.digests()) and len(sent) == len(set(sent))  # no empty digest, no change twice
    assert set(sent) <= set(expected) and len(expected) - len(sent) <= 2  # at most the last day's wait


def test_period_of_never_moves_backwards_in_the_repeated_hour() -> None:
    channel = ChannelConfig(id="d", type="webhook", schedule="30 1 * * *", timezone="America/New_York")
    # 2026-11-01: 01:30 EDT is 05:30 UTC; 01:00-02:00 EST follows (06:00-07:00 UTC).
    windows = [period_of(channel, datetime(2026, 11, 1, 5, 30, tzinfo=UTC) + timedelta(minutes=20 * k))
               for k in range(3)]
    assert windows == sorted(windows, key=lambda w: datetime.fromisoformat(w)), windows


@pytest.mark.parametrize("schedule", ["0 * * * *", "30 1 * * *"])
def test_period_of_moves_on_after_a_fall_back(schedule: str) -> None:
    channel = ChannelConfig(id="d", type="webhook", schedule=schedule, timezone="America/New_York")
    at = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)  # 07:00 EST the day after
    expected = "2026-11-02T07:00-05:00" if schedule.startswith("0 ") else "2026-11-02T01:30-05:00"
    assert period_of(channel, at) == expected


def test_weekly_schedule_uses_cron_day_numbers() -> None:
    monday = ChannelConfig(id="d", type="webhook", schedule="0 8 * * 1", timezone="UTC")
    window = period_of(monday, datetime(2026, 3, 11, 12, 0, tzinfo=UTC))  # a Wednesday
    assert datetime.fromisoformat(window).strftime("%A %d") == "Monday 09", window


# -- instant alerts do not wait for the next poll -----------------------------------------------------------


def test_instant_retry_is_sent_when_due_even_if_no_source_is(server: LocalServer, work: Workdir, hook: Receiver,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    server.set("/feed.xml", feed_route(rss(items("i", 1))))
    write(work, [source("i", server.url("/feed.xml"), interval="6h")],
          [{"id": "now", "type": "webhook", "mode": "instant", "url": hook.url("/now")}])
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    svc = Service(str(work.config), work.db_url, clock=clock)
    try:
        svc.tick()  # baseline
        server.set("/feed.xml", feed_route(rss(items("i", 2))))
        clock.advance(hours=6, minutes=10)
        hook.script("/now", Reply(503, b"busy"))
        svc.tick()  # polled, the alert fails: retried in a minute
        assert [p.status for p in hook.posts] == [503]
        clock.advance(minutes=2)  # the retry is due; the source is not (6 h)
        svc.tick()
        assert posted_titles(hook, "/now") == [title("i", 2)]
    finally:
        svc.store.close()
    no_failed_ticks(caplog)


# -- schedule.next_poll_at -----------------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def delay(**kw: Any) -> float:
    return (next_poll_at(NOW, **kw) - NOW).total_seconds()


def test_next_poll_healthy_is_the_interval() -> None:
    assert delay(interval=3600) == 3600
    assert delay(interval=3600, failures=0, retry_after=None, max_age=None, jitter=0.0) == 3600


def test_next_poll_backoff_doubles_and_is_capped() -> None:
    assert [delay(interval=60, failures=f) for f in range(1, 6)] == [60, 120, 240, 480, 960]
    assert delay(interval=3600, failures=5) == 16 * 3600
    assert delay(interval=3600, failures=6) == MAX_BACKOFF == 24 * 3600  # capped at a day
    assert delay(interval=3600, failures=10_000) == MAX_BACKOFF  # no overflow after months of failing
    assert delay(interval=2 * 86400, failures=3) == 2 * 86400  # an interval over a day is the cap itself


def test_next_poll_server_hints_are_floors_capped_at_a_week() -> None:
    assert delay(interval=600, retry_after=3600) == 3600
    assert delay(interval=600, retry_after=60) == 600  # a floor, never a shortcut
    assert delay(interval=600, max_age=7200) == 7200
    assert delay(interval=600, max_age=0) == 600
    assert delay(interval=600, retry_after=1200, max_age=7200) == 7200  # the later of both
    assert delay(interval=60, failures=3, retry_after=120) == 240  # backoff already beyond it
    assert delay(interval=60, failures=3, retry_after=1000) == 1000
    assert delay(interval=600, retry_after=30 * 86400) == MAX_HINT == 7 * 86400
    assert delay(interval=600, max_age=10**9) == MAX_HINT


def test_next_poll_jitter_adds_up_to_a_tenth_at_most_ten_minutes() -> None:
    assert delay(interval=1000, jitter=0.0) == 1000
    assert delay(interval=1000, jitter=0.5) == 1050
    assert 1000 <= delay(interval=1000, jitter=0.999999) < 1100
    assert delay(interval=86400, jitter=0.999999) < 86400 + 600  # capped at ten minutes
    assert delay(interval=86400, jitter=0.5) == 86400 + 300
    for j in (0.0, 0.25, 0.75, 0.99):
        d = delay(interval=60, failures=4, jitter=j)
        assert 480 <= d < 480 * 1.1  # jitter applies to the backed-off delay


# -- per-host pacing ----------------------------------------------------------------------------------------


def fake_time(monkeypatch: pytest.MonkeyPatch, start: float = 1000.0) -> SimpleNamespace:
    import watcher.fetch

    clock = SimpleNamespace(t=start)
    monkeypatch.setattr(watcher.fetch, "time", SimpleNamespace(monotonic=lambda: clock.t))
    return clock


def test_pacer_spaces_requests_by_the_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = fake_time(monkeypatch)
    pacer = _Pacer(2.0)
    assert [pacer.delay() for _ in range(4)] == [0.0, 2.0, 4.0, 6.0]  # four at once: 2 s apart
    clock.t += 7.0  # the last one (due at +6) has started
    assert pacer.delay() == pytest.approx(1.0)  # 2 s after it
    clock.t += 60.0  # idle for a while: no debt, no credit
    assert pacer.delay() == 0.0
    assert pacer.delay() == 2.0


def test_pacer_zero_interval_never_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_time(monkeypatch)
    pacer = _Pacer(0.0)
    assert [pacer.delay() for _ in range(5)] == [0.0] * 5


def test_pacer_shared_by_threads_hands_out_distinct_slots() -> None:
    pacer = _Pacer(10.0)
    out: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        d = pacer.delay()
        with lock:
            out.append(d)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slots = sorted(round(d / 10.0) for d in out)
    assert slots == list(range(8)), out


def test_fetch_all_paces_a_remote_host_not_loopback() -> None:
    """Through `fetch_all` with a mock transport (no network): requests to one
    non-loopback host start `host_interval` apart; loopback ones are not paced."""
    starts: dict[str, list[float]] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        starts.setdefault(request.url.host, []).append(time.monotonic())
        return httpx.Response(200, content=b"<rss/>")

    limits = FetchLimits(per_host=2, host_interval=0.25)
    with Fetcher(limits, transport=httpx.MockTransport(handler)) as fetcher:
        reqs = [FetchRequest(f"r{i}", f"https://regulator.example/feed{i}.xml", timeout=5) for i in range(4)]
        reqs += [FetchRequest(f"l{i}", f"http://127.0.0.1:9/feed{i}.xml", timeout=5) for i in range(4)]
        results = list(fetcher.fetch_all(reqs))
    assert len(results) == 8 and all(r.error is None for r in results), [r.error for r in results]
    remote = sorted(starts["regulator.example"])
    gaps = [b - a for a, b in zip(remote, remote[1:], strict=False)]
    assert len(remote) == 4 and min(gaps) >= 0.2, gaps
    local = sorted(starts["127.0.0.1"])
    assert local[-1] - local[0] < 0.2, local  # four requests, no pacing

