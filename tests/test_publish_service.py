"""`publish:` in sources.yaml: validated like the rest of the configuration, and
`watcher run` regenerating the calendar, the feed and the report after each poll
that recorded changes (atomically), logging a failure without stopping."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path

import feedparser
import icalendar
import pytest
import yaml
from conftest import Cli, Workdir, feed_route, rss, source
from service_helpers import FakeClock
from test_publish import DELAY, EU_A, EU_B

from watcher.config import parse_config
from watcher.errors import ConfigError
from watcher.service import Service


def _config(work: Workdir, server, publish: dict) -> None:
    text = yaml.safe_dump({"defaults": {"timeout": "5s", "relevance": "all"},
                           "sources": [source("eu-a", server.url("/a.xml"), "EU", interval="1m"),
                                       source("eu-b", server.url("/b.xml"), "EU", interval="1m")],
                           "publish": publish}, sort_keys=False)
    work.write_config(text=text)


def _uids_by_start(path: Path) -> dict[date, str]:
    return {e.decoded("dtstart"): str(e["uid"]) for e in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")}


def test_run_publishes_at_start_and_after_a_poll_with_changes(server, work: Workdir, tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    server.set("/a.xml", feed_route(rss(EU_A)))
    server.set("/b.xml", feed_route(rss(EU_B)))
    site = tmp_path / "site"
    _config(work, server, {"dir": str(site), "filter": {"jurisdictions": ["EU"]}})
    clock = FakeClock(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    svc = Service(str(work.config), work.db_url, clock=clock)
    caplog.set_level(logging.INFO)
    try:
        svc.tick()
        cal, feed, report = site / "calendar.ics", site / "changes.atom", site / "report" / "index.html"
        assert cal.exists() and feed.exists() and report.exists()
        first = _uids_by_start(cal)
        assert date(2026, 8, 2) in first
        assert feedparser.parse(feed.read_bytes()).entries == []  # the baseline is not news
        stamp = cal.stat().st_mtime_ns

        clock.advance(seconds=30)  # nothing due: nothing regenerated
        svc.tick()
        assert cal.stat().st_mtime_ns == stamp

        server.set("/a.xml", feed_route(rss([DELAY, *EU_A])))
        clock.advance(minutes=5)
        svc.tick()
        after = _uids_by_start(cal)
        assert after.get(date(2027, 12, 2)) == first[date(2026, 8, 2)]  # moved, same UID
        assert [e.title for e in feedparser.parse(feed.read_bytes()).entries] == [DELAY["title"]]
        assert "2 Dec 2027" in report.read_text(encoding="utf-8")
        assert not list(site.glob(".*.tmp")) and not list((site / "report").glob(".*.tmp"))
    finally:
        svc.store.close()
    assert [r for r in caplog.records if r.getMessage() == "publish.done"]
    assert not [r for r in caplog.records if r.getMessage() in ("tick.failed", "publish.failed")]


def test_a_publish_failure_is_logged_and_polling_goes_on(server, work: Workdir, tmp_path: Path, cli: Cli,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    server.set("/a.xml", feed_route(rss(EU_A)))
    server.set("/b.xml", feed_route(rss(EU_B)))
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the directory should be")
    _config(work, server, {"dir": str(blocker), "report": False})
    clock = FakeClock(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    svc = Service(str(work.config), work.db_url, clock=clock)
    caplog.set_level(logging.INFO)
    try:
        svc.tick()
        server.set("/a.xml", feed_route(rss([DELAY, *EU_A])))
        clock.advance(minutes=5)
        svc.tick()
    finally:
        svc.store.close()
    failures = [r for r in caplog.records if r.getMessage() == "publish.failed"]
    assert len(failures) == 2 and "not-a-dir" in failures[0].dir
    assert not [r for r in caplog.records if r.getMessage() == "tick.failed"]
    assert DELAY["title"] in [c["title"] for c in cli.changes()]  # the poll was recorded all the same


def test_watcher_publish_writes_the_configured_outputs(server, work: Workdir, tmp_path: Path, cli: Cli) -> None:
    server.set("/a.xml", feed_route(rss(EU_A)))
    server.set("/b.xml", feed_route(rss(EU_B)))
    _config(work, server, {"dir": "public", "calendar": "eu.ics", "feed": False})
    assert cli("poll").code == 0
    run = cli("publish")
    assert run.code == 0, run.err
    assert (work.path / "public" / "eu.ics").exists()  # relative to the configuration file
    assert (work.path / "public" / "report" / "index.html").exists()
    assert not (work.path / "public" / "changes.atom").exists()


def test_publish_without_a_section_is_a_usage_error(server, work: Workdir, cli: Cli) -> None:
    work.write_config([source("eu-a", server.url("/a.xml"), "EU")])
    run = cli("publish")
    assert run.code == 2 and "no 'publish:' section" in run.err


@pytest.mark.parametrize(("publish", "message"), [
    ({"calendar": "x.ics"}, "key 'dir': missing required key"),
    ({"dir": "out", "feeds": "x"}, "unknown key (did you mean 'feed'?)"),
    ({"dir": "out", "calendar": "../x.ics"}, "must be a plain file name"),
    ({"dir": "out", "filter": {"tags": ["delays"]}}, "unknown tag 'delays' (did you mean 'delay'?)"),
    ("out", "must be a mapping with dir"),
])
def test_publish_section_faults_name_the_key(publish, message) -> None:
    text = yaml.safe_dump({"sources": [source("a", "https://example.org/feed.xml", "EU")], "publish": publish})
    with pytest.raises(ConfigError) as err:
        parse_config(text, Path("sources.yaml"), env={})
    assert message in str(err.value) and "publish" in str(err.value)
