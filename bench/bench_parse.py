"""Parse-time figures issue 4 asks for, measured on this machine (not part of the test run).

    python bench/bench_parse.py [--runs 7]

1. `PageListSource.parse` of a ~1 MB listing page of ~5,000 rows (a Korean
   ministry board: number, linked title, department, yyyy.mm.dd date, views),
   UTF-8 and the same page in EUC-KR (declared by a meta tag);
2. `PageSource.parse` of a ~1 MB document (a law's text: ~3,700 paragraphs inside
   navigation, header, footer, scripts and ads);
3. for the choice of HTML library: parsing the same listing and selecting every
   row's link with selectolax (lexbor) against lxml + cssselect, where installed.
Each figure is the median of several runs, after one warm-up.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from watcher.config import SourceConfig
from watcher.fetch import FetchResult
from watcher.sources.page import PageSource
from watcher.sources.page_list import PageListSource


def listing(rows: int) -> str:
    body = "\n".join(
        f'<tr><td class="num">{n}</td><td class="subject"><a href="view.do?nttSeqNo={90000 + n}&amp;pageIndex=1">'
        f'인공지능 기본법 시행령 제{n}차 개정안 입법예고 안내</a></td>'
        f'<td>AI정책과</td><td>2026.{1 + n % 12:02d}.{1 + n % 28:02d}</td><td>{n * 7 % 5000}</td></tr>'
        for n in range(rows, 0, -1))
    return (f'<!DOCTYPE html><html lang="ko"><head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr">'
            f"<title>보도자료</title></head><body><div id='header'><a href='/'>홈</a></div>"
            f"<table class='board'><thead><tr><th>번호</th><th>제목</th><th>부서</th><th>등록일</th><th>조회</th></tr></thead>"
            f"<tbody>\n{body}\n</tbody></table></body></html>")


def document(paragraphs: int) -> str:
    text = "\n".join(
        f"<p class='article' id='a{n}'>Article {n} (Obligations of providers) A provider of a high-impact artificial "
        f"intelligence system shall establish and operate a risk management plan, explain the results, and "
        f"protect users, as prescribed by Presidential Decree ({n}).</p>"
        for n in range(1, paragraphs + 1))
    nav = "".join(f"<li><a href='/menu/{i}'>Menu item {i}</a></li>" for i in range(200))
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>AI Basic Act</title>"
            f"<script>var s='{'0' * 2000}';</script></head><body><header><nav><ul>{nav}</ul></nav></header>"
            f"<div class='advert'>Ad</div><main><div id='contents'><h1>AI Basic Act</h1>\n{text}\n</div></main>"
            f"<aside class='ad'>Ad</aside><footer>Copyright</footer></body></html>")


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def source(type_: str, **options: str) -> SourceConfig:
    return SourceConfig(id="bench", name="bench", type=type_, url="https://example.org/bbs/list.do",
                        jurisdictions=("KR",), options=options)


def fetched(body: bytes, content_type: str) -> FetchResult:
    return FetchResult(source_id="bench", url="https://example.org/bbs/list.do",
                       final_url="https://example.org/bbs/list.do", status=200, content_type=content_type, body=body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    rows = 5000
    page = listing(rows)
    utf8 = page.encode("utf-8")
    euc = page.encode("cp949")
    doc = document(3700).encode("utf-8")
    plist = source("page-list", items="table.board tbody tr")
    pdoc = source("page")

    n_items = len(PageListSource.parse(plist, fetched(utf8, "text/html; charset=utf-8")).items)
    n_euc = len(PageListSource.parse(plist, fetched(euc, "text/html")).items)
    n_chars = len(PageSource.parse(pdoc, fetched(doc, "text/html; charset=utf-8")).items[0].text)
    assert n_items == n_euc == rows, (n_items, n_euc)

    print(f"median of {args.runs} runs (after a warm-up)")
    t = median_ms(lambda: PageListSource.parse(plist, fetched(utf8, "text/html; charset=utf-8")), args.runs)
    print(f"page-list  {len(utf8) / 1e6:.2f} MB UTF-8, {n_items:,} rows -> {n_items:,} items: {t:7.1f} ms")
    t = median_ms(lambda: PageListSource.parse(plist, fetched(euc, "text/html")), args.runs)
    print(f"page-list  {len(euc) / 1e6:.2f} MB EUC-KR (meta), {n_euc:,} items:       {t:7.1f} ms")
    t = median_ms(lambda: PageSource.parse(pdoc, fetched(doc, "text/html; charset=utf-8")), args.runs)
    print(f"page       {len(doc) / 1e6:.2f} MB document -> {n_chars:,} characters of text: {t:7.1f} ms")

    from selectolax.lexbor import LexborHTMLParser

    def lexbor() -> int:
        tree = LexborHTMLParser(page)
        return sum(1 for row in tree.css("table.board tbody tr") if row.css_first("a[href]") is not None)

    print(f"library    selectolax/lexbor parse + select {rows:,} rows' links: {median_ms(lexbor, args.runs):7.1f} ms")
    try:
        import lxml.html
        from lxml.cssselect import CSSSelector
    except ImportError:
        print("library    lxml + cssselect not installed; no comparison")
        return
    rows_sel, link_sel = CSSSelector("table.board tbody tr"), CSSSelector("a[href]")

    def lxml_parse() -> int:
        tree = lxml.html.fromstring(page)
        return sum(1 for row in rows_sel(tree) if link_sel(row))

    assert lexbor() == lxml_parse() == rows
    print(f"library    lxml + cssselect parse + select {rows:,} rows' links:    {median_ms(lxml_parse, args.runs):7.1f} ms")


if __name__ == "__main__":
    main()
