"""The compliance calendar, the Atom feed and the HTML report, built from stores
filled by real polls of feeds served on 127.0.0.1."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import feedparser
import icalendar
import pytest
import vobject
from conftest import Cli, Workdir, feed_route, rss, source

XSS = "<script>alert('x')</script> AI Act guidance & notes"

EU_A = [
    {"guid": "a-1", "title": "AI Act: obligations for high-risk AI systems apply from 2 August 2026",
     "description": "The European Commission recalls that the AI Act high-risk rules apply from 2 August 2026.",
     "link": "https://ec.example.eu/news/a-1"},
    {"guid": "a-2", "title": "Consultation on the AI Act code of practice: comments by March 2027",
     "description": "The AI Office opens a consultation on the AI Act code of practice; comments are due by March 2027.",
     "link": "https://ec.example.eu/news/a-2"},
]
EU_B = [
    {"guid": "b-1", "title": "Reminder: AI Act high-risk obligations take effect on 2 August 2026",
     "description": "EU AI Act rules for high-risk AI systems enter into force on 2 August 2026.",
     "link": "https://parl.example.eu/b-1"},
]
EU_C = [
    {"guid": "c-1", "title": "The AI Act's high-risk rules apply from 2 August 2026",
     "description": "Under the AI Act, obligations for high-risk AI systems apply from 2 August 2026.",
     "link": "https://news.example.eu/c-1"},
]
DELAY = {"guid": "a-3", "title": "EU delays AI Act high-risk obligations to 2 December 2027",
         "description": "The Commission postponed the application of the AI Act high-risk rules to 2 December 2027.",
         "link": "https://ec.example.eu/news/a-3"}
XSS_ITEM = {"guid": "a-4", "title": "AI Act guidance notes", "description": "The AI Office publishes guidance on the AI Act.",
            "link": "https://ec.example.eu/news/a-4"}


def _poll_hostile(cli: Cli, work: Workdir, server) -> None:
    """A poll adding the delay and an item whose stored title and URL are hostile (feed
    parsing reduces markup to text, so the title is planted as a source could yield it
    as plain text: the store is the boundary every output must escape)."""
    import backends

    server.set("/a.xml", feed_route(rss([DELAY, XSS_ITEM, *EU_A])))
    assert cli("poll").code == 0
    backends.sql(work.db, "UPDATE changes SET title = ?, url = ? WHERE title = ?",
                 XSS, "javascript:alert(1)", XSS_ITEM["title"])


@pytest.fixture
def polled(server, work: Workdir, cli: Cli) -> tuple[Cli, Workdir, object]:
    """Three sources report the AI Act's 2 August 2026 date (a baseline poll, then a
    second poll adds an item to each so real changes exist too)."""
    server.set("/a.xml", feed_route(rss(EU_A)))
    server.set("/b.xml", feed_route(rss(EU_B)))
    server.set("/c.xml", feed_route(rss(EU_C)))
    work.write_config([source("eu-a", server.url("/a.xml"), "EU"), source("eu-b", server.url("/b.xml"), "EU"),
                       source("eu-c", server.url("/c.xml"), "EU")])
    assert cli("poll").code == 0
    return cli, work, server


def _events(cli: Cli, *args: str) -> list[dict]:
    run = cli("calendar", "--past", "--format", "json", *args)
    assert run.code == 0, run.err
    return run.json()


def _act(events: list[dict]) -> list[dict]:
    return [e for e in events if e["instrument"] == "AI Act" and e["kind"] == "effective"]


def test_three_sources_reporting_one_date_are_one_event_with_three_links(polled) -> None:
    cli, _, _ = polled
    (event,) = _act(_events(cli))
    assert event["date"] == "2026-08-02" and event["precision"] == "day"
    assert sorted(ln["source"] for ln in event["links"]) == ["eu-a", "eu-b", "eu-c"]
    assert event["jurisdictions"] == ["EU"]


def test_ics_parses_back_with_icalendar_and_vobject(polled, tmp_path: Path) -> None:
    cli, _, _ = polled
    ics = tmp_path / "cal.ics"
    assert cli("calendar", "--ics", str(ics)).code == 0
    data = ics.read_bytes()
    cal = icalendar.Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    assert len(events) == len(_events(cli))
    by_start = {e.decoded("dtstart"): e for e in events}
    act = by_start[date(2026, 8, 2)]
    assert isinstance(act.decoded("dtstart"), date) and act["dtstart"].params.get("VALUE") == "DATE"
    assert "https://ec.example.eu/news/a-1" in act["description"]
    assert "https://parl.example.eu/b-1" in act["description"] and "https://news.example.eu/c-1" in act["description"]
    # Month precision: on the first day, saying so.
    march = by_start[date(2027, 3, 1)]
    assert "month precision: sometime in March 2027" in march["description"]
    assert "deadline" in str(march["summary"]).lower()
    # A second, independent parser.
    parsed = vobject.readOne(data.decode("utf-8"))
    vevents = parsed.contents["vevent"]
    assert len(vevents) == len(events)
    assert {v.uid.value for v in vevents} == {str(e["uid"]) for e in events}
    v_act = next(v for v in vevents if v.dtstart.value == date(2026, 8, 2))
    assert v_act.uid.value == str(act["uid"]) and v_act.summary.value.startswith("Effective: AI Act")


def test_a_delay_moves_the_event_under_the_same_uid(polled, tmp_path: Path) -> None:
    cli, _, server = polled
    before = tmp_path / "before.ics"
    assert cli("calendar", "--ics", str(before)).code == 0
    (old,) = [e for e in icalendar.Calendar.from_ical(before.read_bytes()).walk("VEVENT")
              if e.decoded("dtstart") == date(2026, 8, 2)]
    server.set("/a.xml", feed_route(rss([DELAY, *EU_A])))
    assert cli("poll").code == 0
    after = tmp_path / "after.ics"
    assert cli("calendar", "--ics", str(after)).code == 0
    events = icalendar.Calendar.from_ical(after.read_bytes()).walk("VEVENT")
    same = [e for e in events if str(e["uid"]) == str(old["uid"])]
    assert len(same) == 1, "the delay must update the event, not add a second one"
    moved = same[0]
    assert moved.decoded("dtstart") == date(2027, 12, 2)
    assert int(moved["sequence"]) == int(old["sequence"]) + 1
    assert not [e for e in events if e.decoded("dtstart") == date(2026, 8, 2)]
    assert "Moved from 2026-08-02" in moved["description"]
    # The same UIDs again on a re-run: a subscribed calendar updates in place.
    again = tmp_path / "again.ics"
    assert cli("calendar", "--ics", str(again)).code == 0
    assert sorted(str(e["uid"]) for e in icalendar.Calendar.from_ical(again.read_bytes()).walk("VEVENT")) == \
        sorted(str(e["uid"]) for e in events)
    table = cli("calendar", "--past")
    assert "moved from 2026-08-02" in table.out


def test_calendar_filters_and_rejects_bad_options(polled) -> None:
    cli, _, _ = polled
    assert all(e["kind"] == "deadline" for e in _events(cli, "--tag", "consultation"))
    assert _events(cli, "--jurisdiction", "KR") == []
    bad = cli("calendar", "--tag", "nonsense")
    assert bad.code == 2 and "unknown tag" in bad.err
    empty = cli("calendar", "--jurisdiction", "KR")
    assert empty.code == 0 and "No upcoming dates match" in empty.out


def test_atom_feed_parses_back_and_escapes_titles(polled, tmp_path: Path) -> None:
    cli, work, server = polled
    _poll_hostile(cli, work, server)
    out = tmp_path / "eu.atom"
    run = cli("feed", "--jurisdiction", "EU", "--out", str(out))
    assert run.code == 0, run.err
    raw = out.read_bytes()
    assert b"<script>" not in raw and b"&lt;script&gt;" in raw
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    titles = [e.title for e in parsed.entries]
    assert titles[:1] and set(titles) == {DELAY["title"], XSS}  # baselines are not in the feed
    delay = next(e for e in parsed.entries if e.title == DELAY["title"])
    assert delay.link == DELAY["link"]
    assert delay.id.startswith("urn:uuid:")
    assert delay.updated_parsed is not None and delay.published_parsed is not None
    assert {t.term for t in delay.tags} >= {"EU", "delay"}
    xss = next(e for e in parsed.entries if e.title == XSS)
    assert not any(ln.get("href", "").startswith("javascript") for ln in xss.get("links", []))
    assert len({e.id for e in parsed.entries}) == len(parsed.entries)
    # Ids are stable across runs; a tag filter narrows the feed.
    again = feedparser.parse(cli("feed", "--jurisdiction", "EU", "--out", "-").out)
    assert [e.id for e in again.entries] == [e.id for e in parsed.entries]
    delays = feedparser.parse(cli("feed", "--tag", "delay", "--out", "-").out)
    assert [e.title for e in delays.entries] == [DELAY["title"]]
    assert "delay" in delays.feed.title


def test_report_is_one_self_contained_escaped_file(polled, tmp_path: Path) -> None:
    cli, work, server = polled
    _poll_hostile(cli, work, server)
    run = cli("report", "--out", str(tmp_path / "rep"))
    assert run.code == 0, run.err
    html = (tmp_path / "rep" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "javascript:alert" not in html
    assert 'src="' not in html and "@import" not in html and "url(" not in html  # nothing loaded
    assert "<svg" in html and "Upcoming dates" in html and "Source health" in html
    for sid in ("eu-a", "eu-b", "eu-c"):
        assert sid in html
    assert "2 Dec 2027" in html  # the moved date in the timeline


def test_help_lists_the_three_commands(cli: Cli) -> None:
    out = cli.raw("--help").out
    for name in ("calendar", "feed", "report"):
        assert name in out
    for name in ("calendar", "feed", "report"):
        assert "Example" in cli.raw(name, "--help").out


def _change(cid: int, title: str, dates: list[dict], *, tags: tuple[str, ...] = (), source_id: str = "s",
            item_id: int | None = None, day: int = 1):
    from datetime import UTC, datetime

    from watcher.store.models import Change

    return Change(id=cid, item_id=item_id or cid, source_id=source_id, detected_at=datetime(2026, 11, day, tzinfo=UTC),
                  kind="new", title=title, url=f"https://example.org/{cid}", summary="", relevant=True,
                  jurisdictions=["KR"], tags=list(tags), dates=dates, baseline=False)


def test_event_rules_on_plain_changes() -> None:
    from watcher.publish.calendar import events_from_changes, instrument_key, instrument_name

    assert instrument_name("「인공지능 기본법 시행령」 일부개정령 의결") == "인공지능 기본법 시행령"
    assert instrument_key(instrument_name("EU delays the AI Act") or "") == instrument_key("AI Act") == "aiact"
    eff = "effective"
    events = events_from_changes([
        _change(1, "AI Basic Act applies in 2027", [{"date": "2027", "kind": eff}]),
        # A delay never moves a date earlier: a second event.
        _change(2, "AI Basic Act: grace period", [{"date": "2026-01-22", "kind": eff}], tags=("delay",), day=2),
        # No instrument named: matched by item only, so another item's same date is another event.
        _change(3, "Notice number 3", [{"date": "2026-05-01", "kind": eff}], day=3),
        _change(4, "Notice number 4", [{"date": "2026-05-01", "kind": eff}], day=4),
        # A later version of item 3 with a new date moves its event, without a delay tag.
        _change(5, "Notice number 3 (corrected)", [{"date": "2026-06-01", "kind": eff}], item_id=3, day=5),
        # Junk dates are ignored.
        _change(6, "AI Basic Act", [{"date": "2026-13-45", "kind": eff}, {"date": "soon", "kind": eff}], day=6),
    ], {})
    by_date = {e.date: e for e in events}
    assert sorted(by_date) == ["2026-01-22", "2026-05-01", "2026-06-01", "2027"]
    assert by_date["2027"].precision_note() == "year precision: sometime in 2027"
    assert by_date["2027"].start.isoformat() == "2027-01-01" and by_date["2027"].sequence == 0
    assert by_date["2026-06-01"].previous_dates == ["2026-05-01"] and by_date["2026-06-01"].sequence == 1
    assert [ln.change_id for ln in by_date["2026-05-01"].links] == [4]
    assert len({e.uid for e in events}) == 4
