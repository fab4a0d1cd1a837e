"""The real CLI against feeds served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import backends
import pytest
from conftest import FIXTURES, Cli, Workdir, closed_port, feed_route, items, rss, source

from watcher.demo.server import LocalServer, Route
from watcher.fetch import FetchLimits
from watcher.store.db import open_store
from watcher.store.models import Change, ChangeJurisdiction, ChangeTag, Item
from watcher.store.writes import write_labels

# -- new / updated / rotated / baseline ------------------------------------------------


def test_baseline_then_new_updated_rotated(server: LocalServer, work: Workdir, cli: Cli) -> None:
    first = items("a", 3)
    server.set("/a.xml", feed_route(rss(first)))
    work.write_config([source("feed-a", server.url("/a.xml"))])

    run = cli("poll")
    assert run.code == 0, run.err
    assert "1 baselined" in run.out
    base = cli.changes()
    assert len(base) == 3
    assert all(c["baseline"] is True and c["kind"] == "new" and c["source"] == "feed-a" for c in base)
    assert {c["title"] for c in base} == {"Bulletin a number 1", "Bulletin a number 2", "Bulletin a number 3"}

    # Round 2: item 1 retitled, item 2 text edited, item 3 rotated off, item 4 new.
    second = [dict(first[0], title="Bulletin a number 1 (corrected)"),
              dict(first[1], description="Routine notice 2 of a, now with a second paragraph."),
              {"guid": "a-4", "title": "Bulletin a number 4", "description": "Fresh."}]
    server.set("/a.xml", feed_route(rss(second)))
    run = cli("poll")
    assert run.code == 0, run.err
    assert "1 changed (1 new, 2 updated)" in run.out

    fresh = [c for c in cli.changes() if not c["baseline"]]
    assert sorted((c["kind"], c["title"]) for c in fresh) == [
        ("new", "Bulletin a number 4"),
        ("updated", "Bulletin a number 1 (corrected)"),
        ("updated", "Bulletin a number 2"),
    ]
    # The rotated-off item produced nothing, and is still stored.
    assert not any("number 3" in c["title"] for c in fresh)
    with open_store(work.db_url) as store, store.session() as s:
        assert s.query(Item).filter(Item.key == "a-3").count() == 1

    retitled = next(c for c in fresh if c["title"].endswith("(corrected)"))
    shown = cli("show", str(retitled["id"]), "--format", "json")
    assert shown.code == 0, shown.err
    data = shown.json()
    lines = data["diff"].splitlines()
    assert "-Bulletin a number 1" in lines
    assert "+Bulletin a number 1 (corrected)" in lines
    edited = next(c for c in fresh if c["title"] == "Bulletin a number 2")
    diff = cli("show", str(edited["id"]), "--format", "json").json()["diff"]
    assert any(line.startswith("-") and "Routine notice 2 of a." in line for line in diff.splitlines())
    assert any(line.startswith("+") and "second paragraph" in line for line in diff.splitlines())
    new = next(c for c in fresh if c["kind"] == "new")
    assert cli("show", str(new["id"]), "--format", "json").json()["diff"] is None
    text = cli("show", str(retitled["id"]))
    assert text.code == 0 and "(corrected)" in text.out

    # Round 3: only rotation (item 1 drops off) and a new lastBuildDate: nothing.
    server.set("/a.xml", feed_route(rss(second[1:], build_date="Mon, 23 Nov 2026 08:00:00 GMT")))
    before = len(cli.changes())
    run = cli("poll")
    assert run.code == 0
    assert len(cli.changes()) == before


def test_unchanged_304_stores_nothing(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set("/f.xml", feed_route(rss(items("f", 2))))
    work.write_config([source("feed-f", server.url("/f.xml"))])
    assert cli("poll").code == 0
    stored = cli.changes()
    etag = server.requests[-1]
    assert etag.status == 200

    run = cli("poll")
    assert run.code == 0, run.err
    assert "1 not modified (304)" in run.out
    last = server.requests[-1]
    assert last.path == "/f.xml"
    assert last.status == 304
    sent = {k.lower(): v for k, v in last.headers.items()}
    assert sent.get("if-none-match", "").startswith('"')
    assert "if-modified-since" in sent
    assert cli.changes() == stored
    health = cli.sources()["feed-f"]
    assert health["state"] == "ok" and health["consecutive_failures"] == 0


def test_same_body_without_validators_is_not_parsed(server: LocalServer, work: Workdir, monkeypatch) -> None:
    """A server that sends no ETag/Last-Modified answers 200 with the same body: the
    body hash short-circuits, the feed is never parsed again, nothing is stored."""
    from watcher.config import load_config
    from watcher.poll import poll_sources
    from watcher.sources.feed import FeedSource

    server.set("/plain.xml", feed_route(rss(items("p", 3)), validators=False))
    work.write_config([source("plain", server.url("/plain.xml"))])
    config = load_config(work.config)

    calls = []
    real = FeedSource.parse.__func__

    def counting(cls, src, fetched):  # noqa: ANN001
        calls.append(src.id)
        return real(cls, src, fetched)

    monkeypatch.setattr(FeedSource, "parse", classmethod(counting))
    with open_store(work.db_url) as store:  # parsed in this process (workers=0), where it is counted
        first = poll_sources(list(config.sources), store, workers=0)
        assert [o.status for o in first.outcomes] == ["baseline"]
        assert calls == ["plain"]
        second = poll_sources(list(config.sources), store, workers=0)
        assert [o.status for o in second.outcomes] == ["unchanged"]
        assert second.outcomes[0].items == 3
        assert calls == ["plain"]  # not parsed the second time
        with store.session() as s:
            assert s.query(Change).count() == 3
    assert [r.status for r in server.requests] == [200, 200]
    assert all("If-None-Match" not in r.headers for r in server.requests)

    # The same through the CLI: a third poll reports the source unchanged.
    cli = Cli(work)
    run = cli("poll")
    assert run.code == 0 and "1 unchanged" in run.out
    assert len(cli.changes()) == 3


def test_conditional_false_server_same_body_unchanged(server: LocalServer, work: Workdir, cli: Cli) -> None:
    """A server that sends an ETag but ignores If-None-Match (answers 200 again)."""
    server.set("/nc.xml", feed_route(rss(items("n", 2)), conditional=False))
    work.write_config([source("nc", server.url("/nc.xml"))])
    assert cli("poll").code == 0
    run = cli("poll")
    assert run.code == 0 and "1 unchanged" in run.out
    assert [r.status for r in server.requests] == [200, 200]
    assert len(cli.changes()) == 2


# -- concurrency ---------------------------------------------------------------------------


def test_per_host_concurrency_cap(server: LocalServer, work: Workdir, cli: Cli) -> None:
    n = 8
    for i in range(n):
        server.set(f"/slow{i}.xml", feed_route(rss(items(f"s{i}", 1)), delay=0.2))
    work.write_config([source(f"slow-{i}", server.url(f"/slow{i}.xml")) for i in range(n)])
    run = cli("poll")
    assert run.code == 0, run.err
    cap = FetchLimits().per_host
    assert server.peak_in_flight <= cap
    assert server.peak_in_flight == cap  # the cap is used, not serialised to one
    assert len(server.requests) == n


def test_per_host_cap_is_per_host(work: Workdir, cli: Cli) -> None:
    """127.0.0.1 and localhost are two hosts: each gets its own cap."""
    with LocalServer() as srv:
        port = srv.base_url.rsplit(":", 1)[1]
        cfg = []
        for i in range(6):
            srv.set(f"/h{i}.xml", feed_route(rss(items(f"h{i}", 1)), delay=0.3))
            host = "127.0.0.1" if i % 2 else "localhost"
            cfg.append(source(f"host-{i}", f"http://{host}:{port}/h{i}.xml"))
        work.write_config(cfg)
        run = cli("poll")
        assert run.code == 0, run.err
        cap = FetchLimits().per_host
        assert cap < srv.peak_in_flight <= 2 * cap


# -- failures ------------------------------------------------------------------------------


def test_failing_sources_beside_healthy_ones(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set("/good.xml", feed_route(rss(items("g", 2))))
    server.set("/e500.xml", Route(b"oops", "text/plain", 500))
    server.set("/slow.xml", feed_route(rss(items("t", 1)), delay=1.6))
    server.set("/page.html", Route(b"<!doctype html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>",
                                   "text/html; charset=utf-8"))
    server.set("/good2.xml", feed_route(rss(items("h", 1))))
    work.write_config([
        source("good", server.url("/good.xml")),
        source("missing", server.url("/nothing-here.xml")),
        source("broken", server.url("/e500.xml")),
        source("refused", f"http://127.0.0.1:{closed_port()}/feed.xml"),
        source("slow", server.url("/slow.xml"), timeout="1s"),
        source("html", server.url("/page.html")),
        source("good-two", server.url("/good2.xml")),
    ])
    run = cli("poll")
    assert run.code == 3
    assert "5 failed" in run.out and "2 baselined" in run.out
    for sid in ("missing", "broken", "refused", "slow", "html"):
        assert f"failed   {sid}:" in run.err
    stored = {c["source"] for c in cli.changes()}
    assert stored == {"good", "good-two"}
    assert len(cli.changes("--source", "good")) == 2

    health = cli.sources()
    expect = {"missing": "404", "broken": "500", "refused": "connect", "slow": "timed out", "html": "HTML"}
    for sid, word in expect.items():
        row = health[sid]
        assert row["state"] == "failing"
        assert row["consecutive_failures"] == 1
        assert word.lower() in row["last_error"].lower(), (sid, row["last_error"])
        assert row["last_success"] is None
    for sid in ("good", "good-two"):
        assert health[sid]["state"] == "ok" and health[sid]["last_error"] is None

    run = cli("poll")
    assert run.code == 3
    health = cli.sources()
    assert all(health[s]["consecutive_failures"] == 2 for s in expect)
    assert health["good"]["consecutive_failures"] == 0

    # A source that recovers is healthy again, its count reset.
    server.set("/e500.xml", feed_route(rss(items("b", 1))))
    cli("poll", "--source", "broken")
    row = cli.sources()["broken"]
    assert row["consecutive_failures"] == 0 and row["last_error"] is None and row["state"] == "ok"


def test_sources_table_lists_health(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set("/ok.xml", feed_route(rss(items("o", 1))))
    work.write_config([source("ok-feed", server.url("/ok.xml")), source("gone", server.url("/gone.xml"))])
    cli("poll")
    run = cli("sources", env={"COLUMNS": "160"})
    assert run.code == 0
    assert "ok-feed" in run.out and "gone" in run.out and "failing" in run.out and "HTTP 404" in run.out


def test_sources_table_keeps_ids_whole_at_80_columns(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set("/ok.xml", feed_route(rss(items("o", 1))))
    work.write_config([source("kr-msit-press", server.url("/ok.xml")), source("gone", server.url("/gone.xml"))])
    cli("poll")
    run = cli("sources", env={"COLUMNS": "80"})
    assert run.code == 0
    assert "kr-msit-press" in run.out and "feed" in run.out


# -- encodings ------------------------------------------------------------------------------


def test_euc_kr_and_big5_feeds(server: LocalServer, work: Workdir, cli: Cli) -> None:
    euc = (FIXTURES / "euc-kr.xml").read_bytes()
    big5 = (FIXTURES / "big5.xml").read_bytes()
    server.set("/kr.xml", feed_route(euc))  # charset only in the XML declaration
    server.set("/kr-lying.xml", feed_route(euc, content_type="application/rss+xml; charset=utf-8"))
    server.set("/kr-header.xml", feed_route(euc, content_type="text/xml; charset=EUC-KR"))
    server.set("/tw.xml", feed_route(big5, content_type="application/rss+xml; charset=big5"))
    work.write_config([
        source("kr", server.url("/kr.xml"), "KR"),
        source("kr-lying", server.url("/kr-lying.xml"), "KR"),
        source("kr-header", server.url("/kr-header.xml"), "KR"),
        source("tw", server.url("/tw.xml"), "TW"),
    ])
    run = cli("poll")
    assert run.code == 0, run.err
    for sid in ("kr", "kr-lying", "kr-header"):
        titles = {c["title"] for c in cli.changes("--source", sid)}
        assert titles == {"인공지능 기본법 시행령 입법예고", "고영향 인공지능 판단 기준 안내서 공개"}, sid
        summaries = " ".join(c["summary"] for c in cli.changes("--source", sid))
        assert "입법예고한다고 밝혔다" in summaries
    tw = cli.changes("--source", "tw")
    assert {c["title"] for c in tw} == {"人工智慧基本法草案預告", "資料治理與隱私保護指引發布"}
    assert not any("\ufffd" in c["title"] + c["summary"] for c in cli.changes())
    # jsonl keeps the characters (not \u escapes) and csv too
    run = cli("changes", "--source", "tw", "--format", "jsonl")
    assert "人工智慧基本法草案預告" in run.out


# -- queries -----------------------------------------------------------------------------------


@pytest.fixture
def populated(server: LocalServer, work: Workdir, cli: Cli) -> Cli:
    server.set("/us.xml", feed_route(rss(items("us", 2))))
    server.set("/co.xml", feed_route(rss(items("co", 3))))
    server.set("/kr.xml", feed_route(rss(items("kr", 1))))
    work.write_config([
        source("us-fed", server.url("/us.xml"), "US"),
        source("us-co", server.url("/co.xml"), "US-CO"),
        source("kr-one", server.url("/kr.xml"), "KR"),
    ])
    assert cli("poll").code == 0
    return cli


def test_jurisdiction_filter_matches_subdivisions(populated: Cli) -> None:
    cli = populated
    us = cli.changes("--jurisdiction", "US")
    assert {c["source"] for c in us} == {"us-fed", "us-co"} and len(us) == 5
    co = cli.changes("--jurisdiction", "us-co")
    assert {c["source"] for c in co} == {"us-co"}
    assert {c["source"] for c in cli.changes("--jurisdiction", "KR")} == {"kr-one"}
    assert cli.changes("--jurisdiction", "JP") == []
    both = cli.changes("--jurisdiction", "KR", "--jurisdiction", "US-CO")
    assert len(both) == 4
    assert all(c["jurisdictions"] for c in us)
    bad = cli("changes", "--jurisdiction", "XX")
    assert bad.code == 2 and "XX" in bad.err


def test_source_limit_and_order(populated: Cli) -> None:
    cli = populated
    all_ = cli.changes()
    assert len(all_) == 6
    ids = [c["id"] for c in all_]
    keys = [(c["detected_at"], c["id"]) for c in all_]
    assert keys == sorted(keys, reverse=True)
    limited = cli("changes", "--limit", "2", "--format", "json").json()
    assert [c["id"] for c in limited] == ids[:2]
    assert len(cli.changes("--source", "us-co")) == 3
    assert len(cli.changes("--source", "us-co", "--source", "kr-one")) == 4


def test_since(populated: Cli, work: Workdir) -> None:
    cli = populated
    assert len(cli.changes("--since", "1d")) == 6
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert cli.changes("--since", tomorrow) == []
    # Age one change by ten days: --since 7d leaves it out, --since 30d keeps it.
    with open_store(work.db_url) as store, store.session() as s:
        old = s.query(Change).filter(Change.source_id == "kr-one").one()
        old.detected_at = datetime.now(UTC) - timedelta(days=10)
        old_id = old.id
    recent = cli.changes("--since", "7d")
    assert len(recent) == 5 and old_id not in {c["id"] for c in recent}
    assert old_id in {c["id"] for c in cli.changes("--since", "30d")}
    ten_days = (datetime.now(UTC) - timedelta(days=11)).date().isoformat()
    assert len(cli.changes("--since", ten_days)) == 6
    bad = cli("changes", "--since", "last tuesday")
    assert bad.code == 2 and "last tuesday" in bad.err


def test_tag_filter(populated: Cli, work: Workdir) -> None:
    cli = populated
    assert cli.changes("--tag", "delay") == []
    with open_store(work.db_url) as store, store.session() as s:
        change = s.query(Change).filter(Change.source_id == "us-co").order_by(Change.id).first()
        change.tags = ["delay"]
        write_labels(s, change.id, change.jurisdictions, ["delay"])
        tagged_id = change.id
        assert s.query(ChangeJurisdiction).filter_by(change_id=tagged_id).count() >= 1
        assert s.query(ChangeTag).filter_by(change_id=tagged_id).count() == 1
    found = cli.changes("--tag", "delay")
    assert [c["id"] for c in found] == [tagged_id]
    assert found[0]["tags"] == ["delay"]
    assert [c["id"] for c in cli.changes("--tag", "delay", "--tag", "draft")] == [tagged_id]
    assert cli.changes("--tag", "delay", "--jurisdiction", "KR") == []
    assert [c["id"] for c in cli.changes("--tag", "delay", "--jurisdiction", "US")] == [tagged_id]
    bad = cli("changes", "--tag", "nonsense")
    assert bad.code == 2 and "nonsense" in bad.err


def test_formats(populated: Cli) -> None:
    cli = populated
    as_json = cli("changes", "--format", "json").json()
    assert isinstance(as_json, list) and len(as_json) == 6
    keys = {"id", "detected_at", "source", "kind", "title", "url", "published", "summary", "relevant",
            "jurisdictions", "tags", "dates", "baseline"}
    assert all(keys <= set(c) for c in as_json)
    assert all(c["detected_at"].endswith("Z") for c in as_json)

    jsonl = cli("changes", "--format", "jsonl").out.splitlines()
    assert [json.loads(line) for line in jsonl] == as_json

    rows = list(csv.DictReader(io.StringIO(cli("changes", "--format", "csv").out)))
    assert [int(r["id"]) for r in rows] == [c["id"] for c in as_json]
    assert [r["title"] for r in rows] == [c["title"] for c in as_json]
    assert {r["jurisdictions"] for r in rows} == {"US", "US-CO", "KR"}

    table = cli("changes", "--format", "table")
    assert table.code == 0
    for c in as_json:
        assert str(c["id"]) in table.out
    assert "6 changes" in table.out

    empty = cli("changes", "--jurisdiction", "JP", "--format", "json")
    assert empty.code == 0 and empty.json() == []
    assert cli("changes", "--jurisdiction", "JP", "--format", "jsonl").out == ""
    assert cli("changes", "--jurisdiction", "JP").out.strip() == "No changes match."


def test_show_missing_id(populated: Cli) -> None:
    run = populated("show", "999999")
    assert run.code == 2
    assert "no change with id 999999" in run.err
    assert "Traceback" not in run.err + run.out


def test_poll_source_and_jurisdiction_selection(populated: Cli, server: LocalServer) -> None:
    cli = populated
    n = len(server.requests)
    run = cli("poll", "--source", "kr-one")
    assert run.code == 0 and "Polled 1 sources" in run.out
    assert len(server.requests) == n + 1
    run = cli("poll", "--jurisdiction", "US")
    assert run.code == 0 and "Polled 2 sources" in run.out
    bad = cli("poll", "--source", "nope")
    assert bad.code == 2 and "nope" in bad.err


# -- end to end through the real console script ------------------------------------------------


def test_subprocess_end_to_end(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set("/kr.xml", feed_route((FIXTURES / "euc-kr.xml").read_bytes()))
    server.set("/bad.xml", Route(b"nope", "text/plain", 404))
    work.write_config([source("kr", server.url("/kr.xml"), "KR"), source("bad", server.url("/bad.xml"))])
    run = cli.subprocess("poll")
    assert run.code == 3, run.err
    assert "Polled 2 sources" in run.out and "failed   bad: HTTP 404" in run.err
    assert "Traceback" not in run.err
    got = cli.subprocess("changes", "--jurisdiction", "KR", "--since", "30d", "--format", "json")
    assert got.code == 0, got.err
    assert {c["title"] for c in json.loads(got.out)} == {"인공지능 기본법 시행령 입법예고", "고영향 인공지능 판단 기준 안내서 공개"}
    health = json.loads(cli.subprocess("sources", "--format", "json").out)
    assert {r["id"]: r["consecutive_failures"] for r in health} == {"kr": 0, "bad": 1}
    missing = cli.subprocess("show", "12345")
    assert missing.code == 2 and "no change with id 12345" in missing.err and "Traceback" not in missing.err


def test_subprocess_env_config_and_db(server: LocalServer, work: Workdir, cli: Cli) -> None:
    """WATCHER_CONFIG and WATCHER_DB stand in for --config and --db."""
    server.set("/e.xml", feed_route(rss(items("e", 1))))
    work.write_config([source("env-feed", server.url("/e.xml"))])
    env = {"WATCHER_CONFIG": str(work.config), "WATCHER_DB": work.db_url}
    run = cli.subprocess("poll", env=env, defaults=False, cwd=work.path.parent)
    assert run.code == 0, run.err
    assert work.db.exists() or backends.BACKEND != "sqlite"
    assert not (work.path.parent / "state").exists()
    out = cli.subprocess("changes", "--format", "jsonl", env=env, defaults=False, cwd=work.path.parent)
    assert json.loads(out.out.splitlines()[0])["source"] == "env-feed"
