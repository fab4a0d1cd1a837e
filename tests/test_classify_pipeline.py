"""Classification inside the pipeline: what `poll` stores carries the classifier's
relevance, jurisdictions, tags and dates, and the CLI filters on them."""

from __future__ import annotations

import json

from conftest import Cli, Workdir, feed_route, rss, source

from watcher.demo.server import LocalServer

EU_DELAY = {
    "guid": "eu-1",
    "title": "Council and Parliament agree to postpone AI Act high-risk obligations",
    "description": "Under the digital omnibus, the rules for high-risk AI systems in Annex III will apply from "
                   "2 December 2027 instead of 2 August 2026.",
    "link": "http://127.0.0.1/eu/1",
}
KR_DECREE = {
    "guid": "kr-1",
    "title": "과기정통부, 인공지능 기본법 시행령 제정안 입법예고",
    "description": "과학기술정보통신부는 인공지능 기본법 시행령 제정안을 입법예고하고 2025년 12월 22일까지 의견을 받는다.",
    "link": "http://127.0.0.1/kr/1",
}
NOT_AI = {
    "guid": "eu-2",
    "title": "Commission approves State aid for rural broadband in Austria",
    "description": "The scheme supports very high capacity networks in underserved areas.",
    "link": "http://127.0.0.1/eu/2",
}
FILLER = {"guid": "f-1", "title": "Bulletin number 1", "description": "Routine notice.", "link": "http://127.0.0.1/f/1"}


def _baseline_then(server: LocalServer, work: Workdir, cli: Cli, new_items: list[dict[str, str]]) -> None:
    server.set("/eu.xml", feed_route(rss([FILLER])))
    work.write_config([source("eu-news", server.url("/eu.xml"), "EU", relevance="ai")])  # conftest defaults to all
    assert cli("poll").code == 0
    server.set("/eu.xml", feed_route(rss([*new_items, FILLER])))
    assert cli("poll").code == 0


def test_changes_filter_by_classified_tag_and_jurisdiction(server: LocalServer, work: Workdir, cli: Cli) -> None:
    _baseline_then(server, work, cli, [EU_DELAY, KR_DECREE, NOT_AI])

    delays = cli("changes", "--tag", "delay", "--jurisdiction", "EU", "--format", "json").json()
    assert [c["title"] for c in delays] == [EU_DELAY["title"]]
    change = delays[0]
    assert change["relevant"] is True and change["baseline"] is False
    assert "delay" in change["tags"] and change["jurisdictions"] == ["EU"]
    assert {"date": "2027-12-02", "kind": "effective"} in change["dates"]

    # The Korean item came through an EU feed: its text makes it Korean, not the feed's hint.
    korean = cli("changes", "--jurisdiction", "KR", "--format", "json").json()
    assert [c["title"] for c in korean] == [KR_DECREE["title"]]
    assert "draft" in korean[0]["tags"]
    assert {"date": "2025-12-22", "kind": "deadline"} in korean[0]["dates"]
    assert cli("changes", "--jurisdiction", "EU", "--format", "json").json() == delays


def test_irrelevant_items_are_stored_but_hidden(server: LocalServer, work: Workdir, cli: Cli) -> None:
    _baseline_then(server, work, cli, [NOT_AI])
    assert cli("changes", "--format", "json").json() == []
    everything = cli("changes", "--all", "--format", "json").json()
    broadband = [c for c in everything if c["title"] == NOT_AI["title"]]
    assert broadband and broadband[0]["relevant"] is False and broadband[0]["tags"] == []


def test_relevance_all_keeps_every_item(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set("/eu.xml", feed_route(rss([FILLER])))
    work.write_config([source("eu-news", server.url("/eu.xml"), "EU", relevance="all")])
    cli("poll")
    server.set("/eu.xml", feed_route(rss([NOT_AI, FILLER])))
    cli("poll")
    shown = cli("changes", "--format", "json").json()
    assert NOT_AI["title"] in [c["title"] for c in shown]


def test_reclassify_rewrites_labels_used_by_the_filters(server: LocalServer, work: Workdir, cli: Cli) -> None:
    _baseline_then(server, work, cli, [EU_DELAY])
    # Simulate labels written by an older rule set: no tags, wrong jurisdiction.
    from sqlalchemy import delete, update

    from watcher.store.db import open_store
    from watcher.store.models import Change, ChangeJurisdiction, ChangeTag

    with open_store(work.db_url) as store, store.session() as s:
        s.execute(update(Change).values(tags=[], jurisdictions=["JP"]))
        s.execute(delete(ChangeTag))
        s.execute(update(ChangeJurisdiction).values(code="JP"))
    assert cli("changes", "--tag", "delay", "--format", "json").json() == []

    run = cli("reclassify")
    assert run.code == 0, run.err
    assert "got a different classification" in run.out
    restored = cli("changes", "--tag", "delay", "--jurisdiction", "EU", "--format", "json").json()
    assert [c["title"] for c in restored] == [EU_DELAY["title"]]
    assert cli("changes", "--jurisdiction", "JP", "--format", "json").json() == []


def test_classify_command_reads_and_writes_json_lines(cli: Cli) -> None:
    lines = "\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"id": "a", "title": EU_DELAY["title"], "text": EU_DELAY["description"], "published": "2026-11-20"},
        {"id": 7, "title": NOT_AI["title"], "text": NOT_AI["description"], "jurisdiction": "EU"},
    ]) + "\n"
    from click.testing import CliRunner

    from watcher.cli import main

    result = CliRunner().invoke(main, ["classify"], input=lines)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", 7]
    assert set(out[0]) == {"id", "relevant", "jurisdictions", "tags", "dates"}
    assert out[0]["relevant"] is True and "delay" in out[0]["tags"]
    assert out[1]["relevant"] is False


def test_classify_command_rejects_bad_input_with_the_line_number() -> None:
    from click.testing import CliRunner

    from watcher.cli import main

    result = CliRunner().invoke(main, ["classify"], input='{"id": 1, "title": "x"}\nnot json\n')
    assert result.exit_code == 2
    assert "line 2" in result.stderr
