"""`poll_sources` and `select_sources` in-process, against the local HTTP server."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import Cli, Workdir, closed_port, feed_route, items, rss, source
from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.config import load_config
from watcher.demo.server import LocalServer, Route
from watcher.diff import StoredItem, diff_items, fingerprint
from watcher.fetch import Fetcher, FetchLimits
from watcher.poll import poll_sources, select_sources
from watcher.sources import ParsedItem
from watcher.store.db import open_store
from watcher.store.models import Change, Item, SourceState


def poll(work: Workdir, limits: FetchLimits | None = None, **kw):
    config = load_config(work.config)
    with open_store(work.db_url) as store, Fetcher(limits) as fetcher:
        return poll_sources(list(config.sources), store, fetcher=fetcher, **kw)


def stored(work: Workdir, model, **where):
    with open_store(work.db_url) as store, store.session() as s:
        rows = s.query(model).filter_by(**where).all()
        s.expunge_all()
        return rows


# -- selection ---------------------------------------------------------------------------------


def test_select_sources(work: Workdir) -> None:
    work.write_config([source("fed", "https://a.example.org/f", "US"), source("colo", "https://b.example.org/f", "US-CO"),
                       source("kr", "https://c.example.org/f", ["KR", "INTL"]), source("eu", "https://d.example.org/f", "EU")])
    config = load_config(work.config)
    ids = lambda chosen: [s.id for s in chosen]  # noqa: E731
    assert ids(select_sources(config)) == ["fed", "colo", "kr", "eu"]
    assert ids(select_sources(config, jurisdictions=["us"])) == ["fed", "colo"]
    assert ids(select_sources(config, jurisdictions=["US-CO"])) == ["colo"]
    assert ids(select_sources(config, jurisdictions=["INTL", "EU"])) == ["kr", "eu"]
    assert ids(select_sources(config, ["kr", "eu"], ["EU"])) == ["eu"]
    assert ids(select_sources(config, jurisdictions=["JP"])) == []
    with pytest.raises(KeyError):
        select_sources(config, ["nope"])


# -- outcomes ----------------------------------------------------------------------------------


def test_outcomes_and_health_in_process(server: LocalServer, work: Workdir) -> None:
    server.set("/ok.xml", feed_route(rss(items("ok", 3))))
    server.set("/err.xml", Route(b"no", "text/plain", 503, headers={"Retry-After": "3600"}))
    work.write_config([source("ok", server.url("/ok.xml")), source("err", server.url("/err.xml")),
                       source("down", f"http://127.0.0.1:{closed_port()}/x")])
    seen = []
    report = poll(work, on_outcome=seen.append)
    by_id = {o.source_id: o for o in report.outcomes}
    assert [o.source_id for o in seen] == [o.source_id for o in report.outcomes]
    assert set(by_id) == {"ok", "err", "down"}
    assert by_id["ok"].status == "baseline" and by_id["ok"].new == 3
    assert sorted(by_id["ok"].change_ids) == sorted(c.id for c in stored(work, Change, source_id="ok"))
    assert report.change_ids == list(by_id["ok"].change_ids) and len(report.change_ids) == 3
    assert by_id["err"].status == "error" and "503" in by_id["err"].error
    assert by_id["down"].status == "error" and by_id["down"].failed
    assert {o.source_id for o in report.failures} == {"err", "down"}
    assert report.finished_at >= report.started_at
    states = {s.id: s for s in stored(work, SourceState)}
    assert states["ok"].baseline_at is not None and states["ok"].etag and states["ok"].body_hash
    assert states["ok"].item_count == 3
    assert states["err"].consecutive_failures == 1 and states["err"].last_status == 503
    # Retry-After pushes the next poll of the failing source at least an hour out.
    assert (states["err"].next_poll_at - states["err"].last_attempt_at).total_seconds() >= 3600 - 1
    assert states["down"].last_error.startswith("cannot connect")


def test_empty_first_answer_is_not_a_baseline(server: LocalServer, work: Workdir) -> None:
    server.set("/f.xml", feed_route(rss([])))
    work.write_config([source("f", server.url("/f.xml"))])
    report = poll(work)
    assert report.outcomes[0].status == "unchanged" and report.outcomes[0].items == 0  # no baseline taken
    assert stored(work, SourceState)[0].baseline_at is None
    server.set("/f.xml", feed_route(rss(items("f", 2))))
    poll(work)
    changes = stored(work, Change)
    assert len(changes) == 2 and all(c.baseline for c in changes)
    server.set("/f.xml", feed_route(rss(items("f", 3))))
    poll(work)
    assert [c.baseline for c in stored(work, Change)] == [True, True, False]


def test_entry_identity(server: LocalServer, work: Workdir) -> None:
    """Identity: guid, else the canonicalised link, else a hash of title and date. Tracking
    parameters, fragments and re-rendered whitespace create nothing new."""
    entries = [
        {"guid": "g-1", "title": "With guid", "link": "http://127.0.0.1/g1?utm_source=a"},
        {"title": "Link only", "link": "http://127.0.0.1/news/view?id=7&utm_source=rss#top"},
        {"title": "Neither", "date": "Mon, 02 Nov 2026 09:00:00 GMT"},
        {"guid": "g-1", "title": "With guid", "link": "http://127.0.0.1/g1"},  # a repeated entry
    ]
    server.set("/f.xml", feed_route(rss(entries)))
    work.write_config([source("f", server.url("/f.xml"))])
    assert poll(work).outcomes[0].new == 3
    keys = {i.key for i in stored(work, Item)}
    assert "g-1" in keys and "http://127.0.0.1/news/view?id=7" in keys
    assert any(k.startswith("sha1:") for k in keys)

    again = [
        {"guid": "g-1", "title": "With  guid ", "link": "http://127.0.0.1/g1?utm_medium=x"},
        {"title": "Link only", "link": "http://127.0.0.1/news/view?utm_campaign=z&id=7"},
        {"title": "Neither", "date": "Mon, 02 Nov 2026 09:00:00 GMT"},
    ]
    server.set("/f.xml", feed_route(rss(again, title="Renamed feed")))
    outcome = poll(work).outcomes[0]
    assert outcome.status == "unchanged" and outcome.new == 0 and outcome.updated == 0
    assert len(stored(work, Change)) == 3


def test_bozo_feed_keeps_good_entries(server: LocalServer, work: Workdir) -> None:
    body = rss(items("b", 2)).replace(b"</channel></rss>", b"<item><title>broken &nbsp; entity</title></item></channel></rss>")
    server.set("/b.xml", feed_route(body))
    work.write_config([source("b", server.url("/b.xml"))])
    outcome = poll(work).outcomes[0]
    assert outcome.status == "baseline" and outcome.items >= 2
    assert stored(work, SourceState)[0].last_warning


def test_not_a_feed_is_an_error(server: LocalServer, work: Workdir) -> None:
    server.set("/j.json", Route(b'{"items": []}', "application/json"))
    server.set("/t.txt", Route(b"hello", "text/plain"))
    server.set("/empty", Route(b"", "application/xml"))
    work.write_config([source("j", server.url("/j.json")), source("t", server.url("/t.txt")),
                       source("e", server.url("/empty"))])
    report = poll(work)
    assert {o.source_id: o.status for o in report.outcomes} == {"j": "error", "t": "error", "e": "error"}
    assert all("not a feed" in o.error for o in report.outcomes)
    assert stored(work, Change) == []


def test_304_is_not_parsed_and_keeps_validators(server: LocalServer, work: Workdir, monkeypatch) -> None:
    from watcher.sources.feed import FeedSource

    server.set("/f.xml", feed_route(rss(items("f", 2))))
    work.write_config([source("f", server.url("/f.xml"))])
    poll(work)
    etag = stored(work, SourceState)[0].etag
    monkeypatch.setattr(FeedSource, "parse", classmethod(lambda *a: pytest.fail("parsed a 304")))
    report = poll(work)
    assert report.outcomes[0].status == "not-modified"
    assert report.outcomes[0].items == 2
    state = stored(work, SourceState)[0]
    assert state.etag == etag and state.last_success_at is not None
    assert server.requests[-1].status == 304


# -- limits --------------------------------------------------------------------------------------


def test_per_host_cap_in_process(server: LocalServer, work: Workdir) -> None:
    for i in range(9):
        server.set(f"/s{i}.xml", feed_route(rss(items(f"s{i}", 1)), delay=0.15))
    work.write_config([source(f"s{i}", server.url(f"/s{i}.xml")) for i in range(9)])
    started = time.monotonic()
    # In this process (workers=0): the timing is the fetches', not a worker's start.
    report = poll(work, FetchLimits(per_host=3), workers=0)
    assert server.peak_in_flight == 3
    assert len(report.outcomes) == 9 and not report.failures
    assert time.monotonic() - started < 9 * 0.15  # concurrent, not one by one


def test_overall_concurrency_cap(work: Workdir) -> None:
    """Four hosts (servers on four ports), two workers allowed per host, three overall."""
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def slow(_request) -> Route:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.15)
        with lock:
            state["now"] -= 1
        return feed_route(rss(items("x", 1)))

    servers = [LocalServer().start() for _ in range(4)]
    try:
        cfg = []
        for n, srv in enumerate(servers):
            for i in range(3):
                srv.set(f"/{i}.xml", slow)
                cfg.append(source(f"h{n}-{i}", srv.url(f"/{i}.xml")))
        work.write_config(cfg)
        report = poll(work, FetchLimits(max_concurrency=3, per_host=2))
        assert len(report.outcomes) == 12 and not report.failures
        assert state["peak"] == 3
        assert all(srv.peak_in_flight <= 2 for srv in servers)
    finally:
        for srv in servers:
            srv.stop()


def test_oversized_feed_refused(server: LocalServer, work: Workdir) -> None:
    server.set("/big.xml", feed_route(rss(items("big", 200))))
    work.write_config([source("big", server.url("/big.xml"))])
    outcome = poll(work, FetchLimits(max_bytes=2000)).outcomes[0]
    assert outcome.status == "error" and "limit" in outcome.error


# -- diff properties ---------------------------------------------------------------------------

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
_items = st.lists(st.builds(ParsedItem, key=st.text(min_size=1, max_size=8), title=_text, text=_text),
                  max_size=8, unique_by=lambda i: i.key)


@settings(max_examples=60, deadline=None)
@given(_items, _items)
def test_diff_properties(before: list[ParsedItem], after: list[ParsedItem]) -> None:
    known = {i.key: StoredItem(n, fingerprint(i), i.title, i.text) for n, i in enumerate(before)}
    assert diff_items(known, before) == []  # re-polling the same items creates nothing
    changes = diff_items(known, after)
    assert [c.item.key for c in changes] == [i.key for i in after if i.key not in known
                                             or known[i.key].fingerprint != fingerprint(i)]
    for c in changes:
        assert c.kind == ("new" if c.item.key not in known else "updated")
        assert (c.diff is not None) == (c.kind == "updated")


def test_a_cycle_with_nothing_new_loads_no_parser_or_classifier(server, work: Workdir, cli: Cli) -> None:
    """What an unchanged source costs is a conditional request, nothing more: the
    second cycle (all 304) imports neither the classifier, nor a parser, nor the
    outbox, nor httpx's command-line client (rich), nor trio (which httpcore would
    import for nothing whenever it is installed)."""
    import subprocess
    import sys

    server.set("/a.xml", feed_route(rss(items("a", 3))))
    work.write_config([source("a", server.url("/a.xml"))])
    assert cli("poll").code == 0
    probe = ("import sys; from watcher.cli import main\n"
             "try:\n    main([*sys.argv[1:]], prog_name='watcher')\nexcept SystemExit as exc:\n    code = exc.code\n"
             "heavy = ['watcher.classify', 'watcher.sources.fastfeed', 'feedparser', 'selectolax', 'watcher.notify.outbox', 'rich',"
             " 'trio']\n"
             "print(code, [m for m in heavy if sys.modules.get(m) is not None])")
    proc = subprocess.run([sys.executable, "-c", probe, *cli.base(), "poll"], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "0 []", proc.stdout + proc.stderr
    assert [r.status for r in server.requests] == [200, 304]
