"""`json` sources end to end: an API shaped like the Federal Register's
documents.json (and a nested one like gov.cn's search) served by the local HTTP
server and polled through the CLI; soft blocks; `json_api.resolve` errors (issue 4)."""

from __future__ import annotations

import pytest
from conftest import Cli, Workdir
from pages_helpers import fresh_changes, html_route, json_route, page_source, poll_ok, shown

from watcher.demo.server import LocalServer
from watcher.errors import ParseError
from watcher.sources.json_api import api_date, resolve

FR_FIELDS = {"id": "document_number", "title": "title", "url": "html_url", "published": "publication_date",
             "effective": "effective_on", "deadline": "comments_close_on"}


def fr_doc(number: str, title: str, published: str, effective: str | None = None,
           closes: str | None = None, kind: str = "Rule") -> dict:
    return {"document_number": number, "title": title, "type": kind,
            "html_url": f"https://www.federalregister.gov/documents/{published.replace('-', '/')}/{number}/x",
            "pdf_url": f"https://www.govinfo.gov/content/pkg/FR-{published}/pdf/{number}.pdf",
            "publication_date": published, "effective_on": effective, "comments_close_on": closes,
            "agencies": [{"name": "Commerce Department", "slug": "commerce-department"}]}


FR_DOCS = [
    fr_doc("2026-01234", "Safety Standards for Frontier Artificial Intelligence Models", "2026-01-22",
           effective="2026-03-23", kind="Rule"),
    fr_doc("2026-00987", "Request for Comment on Artificial Intelligence Evaluation Practices", "2026-01-15",
           closes="2026-02-17", kind="Proposed Rule"),
    fr_doc("2026-00555", "Artificial Intelligence Advisory Committee; Meeting", "2026-01-09", kind="Notice"),
]


def fr_answer(docs: list[dict]) -> dict:
    return {"count": len(docs), "description": "Documents matching 'artificial intelligence'",
            "total_pages": 1, "results": docs}


PATH = "/api/v1/documents.json?conditions[term]=%22artificial+intelligence%22&order=newest"


def fr_source(server: LocalServer, work: Workdir, **kw) -> None:
    work.write_config([page_source("us-federal-register-ai", server.url(PATH), "json", "US",
                                   items=kw.pop("items", "results"), fields=kw.pop("fields", FR_FIELDS), **kw)])


def test_federal_register_items_and_dates_from_fields(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set(PATH, json_route(fr_answer(FR_DOCS)))
    fr_source(server, work)
    assert "3 items stored" in poll_ok(cli)
    got = {c["title"]: c for c in cli.changes()}
    assert set(got) == {d["title"] for d in FR_DOCS}

    rule = got["Safety Standards for Frontier Artificial Intelligence Models"]
    assert rule["url"] == "https://www.federalregister.gov/documents/2026/01/22/2026-01234/x"
    assert rule["published"] == "2026-01-22T00:00:00Z"
    assert {"date": "2026-03-23", "kind": "effective"} in rule["dates"]
    assert not any(d["kind"] == "deadline" for d in rule["dates"])

    proposed = got["Request for Comment on Artificial Intelligence Evaluation Practices"]
    assert {"date": "2026-02-17", "kind": "deadline"} in proposed["dates"]
    assert not any(d["kind"] == "effective" for d in proposed["dates"])

    notice = got["Artificial Intelligence Advisory Committee; Meeting"]
    assert not any(d["kind"] in ("effective", "deadline") for d in notice["dates"])
    assert all(c["jurisdictions"] for c in got.values())


def test_new_document_reorder_and_retitle(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set(PATH, json_route(fr_answer(FR_DOCS)))
    fr_source(server, work)
    poll_ok(cli)

    # A new document on top, the page size pushing the oldest off: one new change.
    newer = fr_doc("2026-02222", "Artificial Intelligence Procurement Guidance", "2026-02-02", effective="2026-04-01")
    server.set(PATH, json_route(fr_answer([newer, *FR_DOCS[:2]])))
    assert "1 changed (1 new, 0 updated)" in poll_ok(cli)
    [new] = fresh_changes(cli)
    assert new["title"] == "Artificial Intelligence Procurement Guidance" and new["kind"] == "new"
    assert {"date": "2026-04-01", "kind": "effective"} in new["dates"]

    # Same documents in another order, other counts: nothing.
    server.set(PATH, json_route({**fr_answer([FR_DOCS[1], newer, FR_DOCS[0]]), "count": 4812, "total_pages": 241}))
    assert "1 unchanged" in poll_ok(cli)
    assert len(fresh_changes(cli)) == 1

    # A corrected title: one update carrying the diff.
    corrected = {**FR_DOCS[0], "title": FR_DOCS[0]["title"] + "; Correction"}
    server.set(PATH, json_route(fr_answer([newer, corrected, FR_DOCS[1]])))
    assert "1 changed (0 new, 1 updated)" in poll_ok(cli)
    update = fresh_changes(cli)[-1]
    assert update["kind"] == "updated"
    diff = shown(cli, update["id"])["diff"].splitlines()
    assert "-Safety Standards for Frontier Artificial Intelligence Models" in diff
    assert "+Safety Standards for Frontier Artificial Intelligence Models; Correction" in diff


def test_nested_items_path_like_gov_cn(server: LocalServer, work: Workdir, cli: Cli) -> None:
    doc = {"code": 200, "searchVO": {"totalCount": 2, "catMap": {"gongwen": {"listVO": [
        {"title": "<em>人工智能</em>生成合成内容标识办法", "url": "https://www.gov.cn/zhengce/zhengceku/202503/content_7014286.htm",
         "pubtimeStr": "2025.03.14", "puborg": "国家互联网信息办公室"},
        {"title": "关于加快场景培育和开放推动新一轮<em>人工智能</em>高质量发展的指导意见",
         "url": "https://www.gov.cn/zhengce/zhengceku/202511/content_7050000.htm", "pubtimeStr": "2025.11.04"},
    ]}}}}
    path = "/search-gov/data?t=zhengcelibrary&q=%E4%BA%BA%E5%B7%A5%E6%99%BA%E8%83%BD"
    server.set(path, json_route(doc))
    work.write_config([page_source("cn-gov-policy", server.url(path), "json", "CN",
                                   items="searchVO.catMap.gongwen.listVO",
                                   fields={"title": "title", "url": "url", "published": "pubtimeStr"})])
    poll_ok(cli)
    got = {c["title"]: c for c in cli.changes()}
    assert set(got) == {"人工智能生成合成内容标识办法", "关于加快场景培育和开放推动新一轮人工智能高质量发展的指导意见"}
    assert got["人工智能生成合成内容标识办法"]["published"] == "2025-03-14T00:00:00Z"
    assert got["人工智能生成合成内容标识办法"]["url"] == "https://www.gov.cn/zhengce/zhengceku/202503/content_7014286.htm"


# -- soft blocks -------------------------------------------------------------------------------


def test_empty_results_after_items_is_an_error_and_no_change(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set(PATH, json_route(fr_answer(FR_DOCS)))
    fr_source(server, work)
    poll_ok(cli)
    base = cli.changes()
    server.set(PATH, json_route(fr_answer([])))
    run = cli("poll")
    assert run.code == 3
    error = cli.sources()["us-federal-register-ai"]["last_error"]
    assert "no items" in error and "3" in error
    assert cli.changes() == base
    server.set(PATH, json_route(fr_answer(FR_DOCS)))
    poll_ok(cli)
    assert cli.changes() == base  # the items stayed: nothing is new again


def test_empty_first_answer_is_not_a_baseline(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set(PATH, json_route(fr_answer([])))
    fr_source(server, work)
    cli("poll")
    assert cli.changes() == []
    server.set(PATH, json_route(fr_answer(FR_DOCS)))
    poll_ok(cli)
    got = cli.changes()
    assert len(got) == 3 and all(c["baseline"] for c in got)  # the first real answer is the baseline


@pytest.mark.parametrize(("route", "word"), [
    (html_route("<html><body>Please enable JavaScript to continue.</body></html>", status=202), "202"),
    (html_route("<html><body>Checking your browser before accessing...</body></html>"), "HTML page, not JSON"),
    (json_route({"errors": {"message": "rate limited"}}), "'results'"),
    (html_route('{"results": [', "application/json"), "not valid JSON"),
    (json_route({"results": {"0": "x"}}), "not a list"),
])
def test_challenges_and_unexpected_answers_are_errors(server: LocalServer, work: Workdir, cli: Cli,
                                                      route, word: str) -> None:
    server.set(PATH, route)
    fr_source(server, work)
    run = cli("poll")
    assert run.code == 3
    assert "Traceback" not in run.err
    error = cli.sources()["us-federal-register-ai"]["last_error"]
    assert word in error, error
    assert cli.changes() == []


# -- resolve and api_date -------------------------------------------------------------------------


def test_resolve_walks_dicts_and_lists() -> None:
    doc = {"a": {"b": [{"c": 1}, {"c": 2}]}, "results": [1, 2]}
    assert resolve(doc, "results") == [1, 2]
    assert resolve(doc, "a.b.1.c") == 2
    assert resolve(doc, "a.b.-1.c") == 2
    assert resolve([{"x": 5}], "0.x") == 5


@pytest.mark.parametrize(("doc", "path", "step", "where"), [
    ({"count": 0, "data": []}, "results", "'results'", "the top level"),
    ({"searchVO": {"catMap": {"bumen": {}}}}, "searchVO.catMap.gongwen.listVO", "'gongwen'", "searchVO.catMap"),
    ({"a": {"b": [1, 2]}}, "a.b.5", "'5'", "a.b"),
    ({"a": {"b": "text"}}, "a.b.c", "'c'", "a.b"),
])
def test_resolve_errors_name_the_missing_step(doc, path: str, step: str, where: str) -> None:
    with pytest.raises(ParseError) as caught:
        resolve(doc, path)
    message = str(caught.value)
    assert path in message and f"no {step}" in message and where in message, message


def test_resolve_error_lists_keys_there() -> None:
    with pytest.raises(ParseError, match="keys there: count, data"):
        resolve({"count": 0, "data": []}, "results")


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-03-23", "2026-03-23"), ("2026-03", "2026-03"), ("2026", "2026"), ("2026-03-23T00:00:00Z", "2026-03-23"),
    ("2026-03-23 10:00", "2026-03-23"), ("2026.03.23", "2026-03-23"), ("20260323", "2026-03-23"),
    ("20261340", None), (1769040000, "2026-01-22"), (1769040000000, "2026-01-22"),
    ("令和8年3月23日", "2026-03-23"), (None, None), ("", None), ("soon", None),
])
def test_api_date_keeps_the_api_precision(value, expected) -> None:
    assert api_date(value) == expected
