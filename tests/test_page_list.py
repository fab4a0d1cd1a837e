"""`page-list` sources end to end: legacy-encoded listing boards served by the
local HTTP server, polled and queried through the CLI (issue 4), plus the date
finder the rows' published dates come from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import Cli, Workdir
from hypothesis import given, settings
from hypothesis import strategies as st
from pages_helpers import (
    encoded,
    fixture_bytes,
    fixture_text,
    fresh_changes,
    html_route,
    page_source,
    poll_ok,
    shown,
)

from watcher.demo.server import LocalServer
from watcher.sources.dates import find_date
from watcher.store.db import open_store
from watcher.store.models import Item

KR = "kr-board.euc-kr.html"
JP = "jp-list.shift_jis.html"
TW = "tw-board.big5.html"

KR_TITLES = {
    "인공지능 기본법 시행령 입법예고": ("3003", "2026-01-22T00:00:00Z"),
    "고영향 인공지능 판단 기준 안내서 공개": ("3002", "2026-01-15T00:00:00Z"),
    "똠방각하 데이터센터 점검 결과": ("3001", "2025-12-30T00:00:00Z"),  # 똠: a CP949-only syllable
}
KR_ROW = ('<tr><td>4</td><td class="subject"><a href="view.do?nttSeqNo=3004&amp;pageIndex=1">'
          "인공지능 영향평가 지침 행정예고</a></td><td>인공지능정책과</td><td>2026.02.03</td><td>7</td></tr>\n")


def kr_board(server: LocalServer, work: Workdir, content_type: str = "text/html", **kw) -> str:
    """Serve the EUC-KR board at /bbs/list.do and configure it; returns the page URL."""
    server.set("/bbs/list.do", html_route(fixture_bytes(KR), content_type))
    url = server.url("/bbs/list.do")
    work.write_config([page_source("kr-board", url, "page-list", "KR", items="table.board tbody tr", **kw)])
    return url


def kr_variant(text: str) -> bytes:
    return encoded(KR, text)


def with_new_row(text: str, row: str = KR_ROW) -> str:
    return text.replace("<tbody>\n", "<tbody>\n" + row, 1)


# -- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", [
    "text/html",                            # charset only in the http-equiv meta
    "text/html; charset=EUC-KR",            # the label the site uses; the bytes are CP949
    "text/html; charset=utf-8",             # a lying header
    "text/html; charset=ISO-8859-1",        # a server default, contradicted by the meta
])
def test_euc_kr_board_reads_korean_titles_and_dates(server: LocalServer, work: Workdir, cli: Cli,
                                                    content_type: str) -> None:
    with pytest.raises(UnicodeDecodeError):
        fixture_bytes(KR).decode("utf-8")  # the fixture really is a legacy encoding
    url = kr_board(server, work, content_type)
    out = poll_ok(cli)
    assert "1 baselined" in out and "3 items stored" in out

    got = cli.changes()
    assert len(got) == 3
    assert all(c["baseline"] and c["kind"] == "new" and c["source"] == "kr-board" for c in got)
    by_title = {c["title"]: c for c in got}
    assert set(by_title) == set(KR_TITLES)
    for title, (seq, published) in KR_TITLES.items():
        change = by_title[title]
        assert change["published"] == published, title
        # made absolute against the page URL, the listing's page number dropped
        assert change["url"] == url.rsplit("/", 1)[0] + f"/view.do?nttSeqNo={seq}", change["url"]
    assert not any("\ufffd" in c["title"] for c in got)


def test_shift_jis_list_with_reiwa_dates(server: LocalServer, work: Workdir, cli: Cli) -> None:
    with pytest.raises(UnicodeDecodeError):
        fixture_bytes(JP).decode("utf-8")
    server.set("/cstp/ai/index.html", html_route(fixture_bytes(JP), "text/html; charset=Shift_JIS"))
    work.write_config([page_source("jp-cao-ai", server.url("/cstp/ai/index.html"), "page-list", "JP",
                                   items="ul.news-list li")])
    poll_ok(cli)
    got = {c["title"]: c for c in cli.changes()}
    assert {t: (c["published"], c["url"].removeprefix(server.base_url)) for t, c in got.items()} == {
        "人工知能関連技術の研究開発及び活用の推進に関する法律の施行について":
            ("2026-01-22T00:00:00Z", "/cstp/ai/news/20260122.html"),
        "人工知能基本計画①を閣議決定":  # ①: a CP932 extension the Shift_JIS label does not cover
            ("2025-12-23T00:00:00Z", "/cstp/ai/ai_plan/aiplan_20251223.pdf"),
        "人工知能戦略本部の設置": ("2025-09-01T00:00:00Z", "/cstp/ai/news/20250901.html"),
    }


def test_big5_board_whose_header_claims_utf8(server: LocalServer, work: Workdir, cli: Cli) -> None:
    body = fixture_bytes(TW)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    server.set("/news/list", html_route(body, "text/html; charset=UTF-8"))
    work.write_config([page_source("tw-nstc", server.url("/news/list"), "page-list", "TW", items="table.list tr")])
    poll_ok(cli)
    got = {c["title"]: c["published"] for c in cli.changes()}
    assert got == {
        "人工智慧基本法公布施行": "2026-01-14T00:00:00Z",           # 民國115年1月14日
        "人工智慧風險分級框架草案預告": "2026-02-03T00:00:00Z",     # 115.02.03
        "資料治理與隱私保護指引發布": "2025-12-23T00:00:00Z",       # 114.12.23
    }


def test_encoding_override_beats_a_wrong_meta(server: LocalServer, work: Workdir, cli: Cli) -> None:
    """A page whose header and meta both say UTF-8 while its bytes are EUC-KR: the
    per-source `encoding` override is what reads it right."""
    text = fixture_text(KR).replace('content="text/html; charset=euc-kr"', 'content="text/html; charset=utf-8"')
    server.set("/bbs/list.do", html_route(kr_variant(text), "text/html; charset=utf-8"))
    work.write_config([page_source("kr-board", server.url("/bbs/list.do"), "page-list", "KR",
                                   items="table.board tbody tr", encoding="euc-kr")])
    poll_ok(cli)
    assert {c["title"] for c in cli.changes()} == set(KR_TITLES)


# -- new rows, re-ordering, paging, tracking -----------------------------------------------------


def test_new_row_is_exactly_one_new_change(server: LocalServer, work: Workdir, cli: Cli) -> None:
    kr_board(server, work)
    poll_ok(cli)
    server.set("/bbs/list.do", html_route(kr_variant(with_new_row(fixture_text(KR)))))
    out = poll_ok(cli)
    assert "1 changed (1 new, 0 updated)" in out
    fresh = fresh_changes(cli)
    assert [(c["kind"], c["title"], c["published"]) for c in fresh] == [
        ("new", "인공지능 영향평가 지침 행정예고", "2026-02-03T00:00:00Z")]
    assert fresh[0]["url"] == server.url("/bbs/view.do?nttSeqNo=3004")
    assert len(cli.changes()) == 4


def test_reorder_paging_tracking_and_counters_are_not_changes(server: LocalServer, work: Workdir, cli: Cli) -> None:
    kr_board(server, work)
    poll_ok(cli)
    base = cli.changes()
    original = fixture_text(KR)

    # Rows reversed; links now carry the listing's page 2, utm_* tags and fragments;
    # view counters moved; the paging bar changed.
    head, rest = original.split("<tbody>\n", 1)
    rows, tail = rest.split("</tbody>", 1)
    lines = rows.strip().split("\n")
    shuffled = "\n".join(reversed(lines)) + "\n"
    shuffled = (shuffled.replace("pageIndex=1", "pageIndex=2&amp;utm_source=newsletter&amp;utm_medium=email")
                .replace('">인공지능 기본법', '#top">인공지능 기본법')
                .replace("<td>1532</td>", "<td>1990</td>").replace("<td>45</td>", "<td>46</td>"))
    tail = tail.replace('<a href="list.do?pageIndex=2">2</a>', '<a href="list.do?pageIndex=2">2</a> <a href="list.do?pageIndex=3">3</a>')
    variant = head + "<tbody>\n" + shuffled + "</tbody>" + tail
    assert variant != original
    server.set("/bbs/list.do", html_route(kr_variant(variant)))
    out = poll_ok(cli)
    assert "1 unchanged" in out, out  # fetched and parsed (the body differs), yet nothing changed
    assert cli.changes() == base

    # The listing's own URL gains a page number (the same rows served from ?pageIndex=2).
    server.set("/bbs/list.do?pageIndex=2", html_route(kr_variant(variant.replace("<td>1990</td>", "<td>2004</td>"))))
    work.write_config([page_source("kr-board", server.url("/bbs/list.do?pageIndex=2"), "page-list", "KR",
                                   items="table.board tbody tr")])
    out = poll_ok(cli)
    assert "1 unchanged" in out, out
    assert cli.changes() == base


def test_retitled_row_is_one_update_with_diff(server: LocalServer, work: Workdir, cli: Cli) -> None:
    kr_board(server, work)
    poll_ok(cli)
    text = fixture_text(KR).replace("안내서 공개</a>", "안내서 공개 (수정)</a>")
    server.set("/bbs/list.do", html_route(kr_variant(text)))
    assert "1 changed (0 new, 1 updated)" in poll_ok(cli)
    [change] = fresh_changes(cli)
    assert change["kind"] == "updated" and change["title"] == "고영향 인공지능 판단 기준 안내서 공개 (수정)"
    diff = shown(cli, change["id"])["diff"].splitlines()
    assert "-고영향 인공지능 판단 기준 안내서 공개" in diff
    assert "+고영향 인공지능 판단 기준 안내서 공개 (수정)" in diff


# -- soft blocks and broken selectors ----------------------------------------------------------


def test_selector_matching_nothing_is_an_error_not_an_empty_baseline(server: LocalServer, work: Workdir,
                                                                      cli: Cli) -> None:
    # The site was redesigned: rows are now <li>s, the configured table selector finds nothing.
    redesigned = ("<html><body><ul class='bbs'><li><a href='view.do?nttSeqNo=1'>공지</a> 2026.01.22</li></ul>"
                  "</body></html>")
    server.set("/bbs/list.do", html_route(redesigned))
    kr = page_source("kr-board", server.url("/bbs/list.do"), "page-list", "KR", items="table.board tbody tr")
    work.write_config([kr])
    run = cli("poll")
    assert run.code == 3
    assert "kr-board" in run.err and "table.board tbody tr" in run.err and "matched nothing" in run.err
    assert "baselined" not in run.out
    assert cli.changes() == []
    health = cli.sources()["kr-board"]
    assert health["state"] == "failing" and health["consecutive_failures"] == 1
    assert "table.board tbody tr" in health["last_error"] and "matched nothing" in health["last_error"]

    check = cli("check-config")
    assert check.code == 0, check.err
    assert "warning" in check.err and "kr-board" in check.err and "table.board tbody tr" in check.err

    # Once the page has rows again, the first good answer is the baseline (none was taken from nothing).
    server.set("/bbs/list.do", html_route(fixture_bytes(KR), "text/html"))
    out = poll_ok(cli)
    assert "1 baselined" in out
    got = cli.changes()
    assert len(got) == 3 and all(c["baseline"] for c in got)
    check = cli("check-config")
    assert check.code == 0 and "warning" not in check.err


def test_invalid_selector_is_a_clear_source_error(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set("/bbs/list.do", html_route(fixture_bytes(KR), "text/html"))
    work.write_config([page_source("kr-board", server.url("/bbs/list.do"), "page-list", "KR", items="table[[")])
    run = cli("poll")
    assert run.code == 3
    error = cli.sources()["kr-board"]["last_error"]
    assert "table[[" in error and "not valid" in error
    assert "Traceback" not in run.err


def test_board_answering_an_empty_table_after_rows_is_a_soft_block(server: LocalServer, work: Workdir,
                                                                    cli: Cli) -> None:
    kr_board(server, work)
    poll_ok(cli)
    base = cli.changes()
    head, rest = fixture_text(KR).split("<tbody>\n", 1)
    empty = head + "<tbody>\n</tbody>" + rest.split("</tbody>", 1)[1]
    server.set("/bbs/list.do", html_route(kr_variant(empty), "text/html"))
    run = cli("poll")
    assert run.code == 3
    assert cli.changes() == base  # no change, nothing "removed"
    health = cli.sources()["kr-board"]
    assert health["state"] == "failing" and health["consecutive_failures"] == 1
    assert "matched nothing" in health["last_error"]
    with open_store(work.db_url) as store, store.session() as s:
        assert s.query(Item).filter(Item.source_id == "kr-board").count() == 3  # items stay

    # The board answers normally again: the same rows are not new, the source is healthy.
    server.set("/bbs/list.do", html_route(fixture_bytes(KR), "text/html"))
    poll_ok(cli)
    assert cli.changes() == base
    assert cli.sources()["kr-board"]["consecutive_failures"] == 0


def test_bot_challenge_202_is_an_error(server: LocalServer, work: Workdir, cli: Cli) -> None:
    challenge = "<html><body><p>Checking your browser...</p><table class='board'><tbody></tbody></table></body></html>"
    server.set("/bbs/list.do", html_route(challenge, status=202))
    work.write_config([page_source("kr-board", server.url("/bbs/list.do"), "page-list", "KR",
                                   items="table.board tbody tr")])
    run = cli("poll")
    assert run.code == 3
    assert "202" in cli.sources()["kr-board"]["last_error"]
    assert cli.changes() == []


# -- item_pattern: script-filled boards (Korea's MSIT) -----------------------------------------

MSIT_PATTERN = r'onclick="fn_detail\((?P<id>\d+)\);"[^>]*>\s*(?P<title>[^<]+?)\s*<'


def msit_page(rows: list[tuple[int, str, str]]) -> str:
    """The MSIT list since its redesign: an empty table shell; the rows are links
    rendered by inline script, each opening `fn_detail(nttSeqNo)`."""
    links = "\n".join(
        f'<div class="board_list_item"><a href="#" onclick="fn_detail({seq});" title="새창">{title}</a>'
        f'<span class="date">{date}</span></div>' for seq, title, date in rows)
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>보도자료</title>"
            "<script>function fn_detail(no){location.href='view.do?nttSeqNo='+no;}</script></head><body>"
            "<table class='board_list'><tbody></tbody></table>"
            f"<div id='result'>\n{links}\n</div></body></html>")


MSIT_ROWS = [(94012, "인공지능 기본법 시행령 제정안 입법예고", "2025-11-12"),
             (94010, "AI 데이터센터 지원 방안 발표", "2025-11-10")]


def test_item_pattern_board_yields_its_items(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set("/bbs/list.do?sCode=user&mPid=208&mId=307", html_route(msit_page(MSIT_ROWS)))
    template = server.url("/bbs/view.do?sCode=user&mPid=208&mId=307&bbsSeqNo=94&nttSeqNo={id}")
    work.write_config([page_source("kr-msit-press", server.url("/bbs/list.do?sCode=user&mPid=208&mId=307"),
                                   "page-list", "KR", item_pattern=MSIT_PATTERN, item_url=template)])
    assert "2 items stored" in poll_ok(cli)
    got = {c["title"]: c for c in cli.changes()}
    assert set(got) == {"인공지능 기본법 시행령 제정안 입법예고", "AI 데이터센터 지원 방안 발표"}
    first = got["인공지능 기본법 시행령 제정안 입법예고"]
    assert first["url"] == template.replace("{id}", "94012")
    assert first["published"] == "2025-11-12T00:00:00Z"

    # A new fn_detail row: one new change. The same ids with re-rendered markup: nothing.
    rows = [(94020, "고영향 인공지능 고시 행정예고", "2025-11-20"), *MSIT_ROWS]
    server.set("/bbs/list.do?sCode=user&mPid=208&mId=307", html_route(msit_page(rows)))
    assert "1 changed (1 new, 0 updated)" in poll_ok(cli)
    [new] = fresh_changes(cli)
    assert new["title"] == "고영향 인공지능 고시 행정예고" and new["url"] == template.replace("{id}", "94020")
    server.set("/bbs/list.do?sCode=user&mPid=208&mId=307",
               html_route(msit_page(list(reversed(rows))).replace('title="새창"', 'title="새 창" class="x"')))
    assert "1 unchanged" in poll_ok(cli)
    assert len(fresh_changes(cli)) == 1

    # The empty shell without its script rows (a burst limit): an error, items kept.
    server.set("/bbs/list.do?sCode=user&mPid=208&mId=307", html_route(msit_page([])))
    assert cli("poll").code == 3
    assert "item_pattern matched nothing" in cli.sources()["kr-msit-press"]["last_error"]
    assert len(fresh_changes(cli)) == 1


def test_item_pattern_with_url_group(server: LocalServer, work: Workdir, cli: Cli) -> None:
    page = ("<script>var rows = [" + ",".join(
        f'{{"u": "/notice/{n}.do?utm_source=x", "t": "공고 {n}호"}}' for n in (7, 8)) + "];</script>")
    server.set("/notice/list", html_route(page))
    work.write_config([page_source("kr-notice", server.url("/notice/list"), "page-list", "KR",
                                   item_pattern=r'"u": "(?P<url>[^"]+)", "t": "(?P<title>[^"]+)"')])
    poll_ok(cli)
    assert {(c["title"], c["url"]) for c in cli.changes()} == {
        ("공고 7호", server.url("/notice/7.do")), ("공고 8호", server.url("/notice/8.do"))}


# -- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-01-22", "2026-01-22"),
    ("등록일 2026.01.22 조회 15", "2026-01-22"),
    ("2026.1.5.", "2026-01-05"),
    ("2026. 1. 22.", "2026-01-22"),
    ("2026/1/22", "2026-01-22"),
    ("2026년 1월 22일 시행", "2026-01-22"),
    ("2026年1月22日", "2026-01-22"),
    ("２０２６年１月２２日", "2026-01-22"),
    ("令和8年1月22日", "2026-01-22"),
    ("令和８年１月２２日", "2026-01-22"),
    ("２０２６．１．２２", "2026-01-22"),
    ("㋿8年1月22日", "2026-01-22"),  # the 令和 ligature
    ("令和元年5月1日", "2019-05-01"),
    ("平成31年4月30日", "2019-04-30"),
    ("R8.1.22", "2026-01-22"),
    ("民國115年1月14日", "2026-01-14"),
    ("中華民國 115 年 1 月 14 日", "2026-01-14"),
    ("115.01.14", "2026-01-14"),
    ("Print Time: 115.04.13", "2026-04-13"),
    ("115/1/14", "2026-01-14"),
    # the first date in the text wins, whatever its form
    ("施行 令和8年4月1日（公布 2026年1月22日）", "2026-04-01"),
    ("게시 2026.01.22 수정 2026.02.01", "2026-01-22"),
    # an impossible date is skipped, the next one taken
    ("2026-02-30 or 2026-03-01", "2026-03-01"),
])
def test_find_date_formats(text: str, expected: str) -> None:
    found = find_date(text)
    assert found is not None, text
    assert found == datetime.fromisoformat(expected).replace(tzinfo=UTC)


@pytest.mark.parametrize("text", [
    "", "no date here", "version 1.2.3", "2026-13-40", "전화 02-2110-2114", "No. 3003", "令和8年13月1日",
    "IP 192.168.0.1", "1.115.01.14",
])
def test_find_date_finds_nothing(text: str) -> None:
    assert find_date(text) is None


# The date patterns as first written, with their look-behinds in front; the shipped
# ones put them after the first character so the engine can skip ahead (same matches).
_PLAIN_PATTERNS = [
    r"(?<!\d)(20\d\d|19\d\d)\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})(?!\d)",
    r"(?<!\d)(20\d\d|19\d\d)\s*[년年]\s*(\d{1,2})\s*[월月]\s*(\d{1,2})\s*[일日]?",
    r"(令和|平成)\s*(\d{1,2}|元)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日",
    r"(?<![A-Za-z])([RH])\s*(\d{1,2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{1,2})(?!\d)",
    r"民國\s*(\d{2,3})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日",
    r"(?<![\d.])(1[0-9]{2})\s*[./]\s*(\d{1,2})\s*[./]\s*(\d{1,2})(?![\d.])",
]


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="0112299 ./-RHaZ년年월月일日令和民國元x", max_size=40))
def test_find_date_patterns_match_as_first_written(text: str) -> None:
    import re

    from watcher.sources.dates import _PATTERNS

    for plain, (shipped, _, _) in zip(_PLAIN_PATTERNS, _PATTERNS, strict=True):
        assert [(m.span(), m.groups()) for m in re.finditer(plain, text)] == \
               [(m.span(), m.groups()) for m in shipped.finditer(text)], (plain, text)


# -- board pathologies -------------------------------------------------------------------------


def test_empty_board_message_row_is_a_soft_block_not_a_new_item(server: LocalServer, work: Workdir, cli: Cli) -> None:
    """Korean boards render an empty list as one row, "등록된 게시물이 없습니다": a
    burst-limited board answering that is a soft block, not a new item to alert."""
    kr_board(server, work)
    poll_ok(cli)
    base = cli.changes()
    head, rest = fixture_text(KR).split("<tbody>\n", 1)
    empty = head + '<tbody>\n<tr><td colspan="5" class="nodata">등록된 게시물이 없습니다.</td></tr>\n</tbody>' + \
        rest.split("</tbody>", 1)[1]
    server.set("/bbs/list.do", html_route(kr_variant(empty), "text/html"))
    run = cli("poll")
    assert run.code == 3
    assert cli.changes() == base
    assert "matched nothing" in cli.sources()["kr-board"]["last_error"]


def test_header_rows_inside_tbody_are_not_items(server: LocalServer, work: Workdir, cli: Cli) -> None:
    text = fixture_text(KR).replace("<tbody>\n", "<tbody>\n<tr><th>번호</th><th>제목</th><th>담당부서</th>"
                                    "<th>등록일</th><th>조회수</th></tr>\n", 1)
    server.set("/bbs/list.do", html_route(kr_variant(text), "text/html"))
    work.write_config([page_source("kr-board", server.url("/bbs/list.do"), "page-list", "KR",
                                   items="table.board tr")])
    poll_ok(cli)
    assert {c["title"] for c in cli.changes()} == set(KR_TITLES)


def test_session_id_in_links_is_not_identity(server: LocalServer, work: Workdir, cli: Cli) -> None:
    """Java boards put the session in the link's path (view.do;jsessionid=...): a new
    session on every fetch must not make every row new."""
    def board(session: str) -> bytes:
        return kr_variant(fixture_text(KR).replace("view.do?", f"view.do;jsessionid={session}?"))

    server.set("/bbs/list.do", html_route(board("A1B2C3D4E5F6.node1"), "text/html"))
    work.write_config([page_source("kr-board", server.url("/bbs/list.do"), "page-list", "KR",
                                   items="table.board tbody tr")])
    poll_ok(cli)
    base = cli.changes()
    assert {c["url"] for c in base} == {server.url(f"/bbs/view.do?nttSeqNo={n}") for n in (3001, 3002, 3003)}
    server.set("/bbs/list.do", html_route(board("F00DFACE0001.node2"), "text/html"))
    assert "1 unchanged" in poll_ok(cli)
    assert cli.changes() == base


def test_first_web_link_of_a_row_is_its_identity(server: LocalServer, work: Workdir, cli: Cli) -> None:
    page = ("<table class='board'><tbody>"
            "<tr><td><a href='javascript:void(0)' onclick='pin(1)'>[공지]</a> "
            "<a href='/view.do?no=1#comments'>인공지능 기본법 해설서</a> <a href='/file?no=1'>첨부</a></td>"
            "<td>2026-01-05</td></tr>"
            "<tr><td><a href='mailto:ai@msit.go.kr'>문의</a> 링크 없는 공지</td><td>2026-01-04</td></tr>"
            "</tbody></table>")
    server.set("/list", html_route(page))
    work.write_config([page_source("kr-links", server.url("/list"), "page-list", "KR", items="table.board tbody tr")])
    poll_ok(cli)
    got = {c["title"]: c for c in cli.changes()}
    assert got["인공지능 기본법 해설서"]["url"] == server.url("/view.do?no=1")
    assert got["인공지능 기본법 해설서"]["published"] == "2026-01-05T00:00:00Z"
    # a row with no web link is kept, titled by its text, without a URL
    [linkless] = [c for c in got.values() if c["url"] is None]
    assert "링크 없는 공지" in linkless["title"]
