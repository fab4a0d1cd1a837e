"""Feed parse time, lxml fast path against feedparser (not part of the test run).

    python bench/bench_feedparse.py [--runs 51]

For a ~40 KB, 50-entry RSS 2.0 feed and Atom 1.0 feed (escaped-HTML descriptions,
Korean/English text, guids/ids, RFC 822/ISO 8601 dates), prints the median
milliseconds of `FeedSource.parse` end to end (decode, parse, entries to items)
with the fast path and with it disabled (feedparser), of `parse_fast` alone, and of the bare parsers
(`feedparser.parse` and `lxml.etree.fromstring`) without turning entries into items:
the gap between the first two columns is smaller than between the last two
because both paths share the same per-item work (HTML to text, URL canonicalising).
"""

from __future__ import annotations

import argparse
import html
import warnings
from datetime import UTC, datetime, timedelta

from bench_parse import (
    median_ms,  # same timing helper: run from bench/ (python bench/bench_feedparse.py)
)

import watcher.sources.feed as feed
from watcher.config import SourceConfig
from watcher.fetch import FetchResult
from watcher.sources.fastfeed import parse_fast

URL = "https://gov.example/news/rss.xml"
TEXT = ("과학기술정보통신부는 인공지능 기본법 시행령 제정안을 입법예고했다. The Commission published draft "
        "implementing rules for general-purpose AI models. ")


def entry_html(n: int) -> str:
    return html.escape(f'<p class="lead">{TEXT * 2}</p><p><a href="https://gov.example/news/{n}">자세히</a> '
                       f"&nbsp;&copy; 2026</p><ul><li>{TEXT[:60]}</li></ul>")


def rss(entries: int = 50) -> bytes:
    when = datetime(2026, 3, 1, 9, tzinfo=UTC)
    items = "".join(
        f"<item><title>인공지능 기본법 시행령 제{n}차 개정안 입법예고</title>"
        f"<link>https://gov.example/news/view.do?nttSeqNo={n}&amp;utm_source=rss</link>"
        f'<guid isPermaLink="false">gov-{n}</guid><description>{entry_html(n)}</description>'
        f"<pubDate>{when + timedelta(hours=n):%a, %d %b %Y %H:%M:%S} +0900</pubDate>"
        f"<category>AI</category></item>\n" for n in range(entries, 0, -1))
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>보도자료</title>'
            "<link>https://gov.example/</link><description>Press</description>\n" + items
            + "</channel></rss>\n").encode()


def atom(entries: int = 50) -> bytes:
    when = datetime(2026, 3, 1, 9, tzinfo=UTC)
    items = "".join(
        f"<entry><id>tag:gov.example,2026:{n}</id><title>AI Act: implementing act {n}</title>"
        f'<link href="https://gov.example/en/news/{n}"/><updated>{when + timedelta(hours=n):%Y-%m-%dT%H:%M:%SZ}'
        f'</updated><summary type="html">{entry_html(n)}</summary></entry>\n' for n in range(entries, 0, -1))
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>'
            f"<id>tag:gov.example,2026:news</id><updated>{when:%Y-%m-%dT%H:%M:%SZ}</updated>\n" + items
            + "</feed>\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=51)
    runs = parser.parse_args().runs
    warnings.simplefilter("ignore")
    source = SourceConfig(id="b", name="b", type="feed", url=URL, jurisdictions=("KR",))
    real = feed.parse_fast
    import feedparser
    from lxml import etree

    print("| feed | size | entries | FeedSource.parse, fast path | FeedSource.parse, feedparser | parse_fast alone "
          "| feedparser.parse alone | lxml fromstring alone |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, body in (("RSS 2.0", rss()), ("Atom 1.0", atom())):
        fetched = FetchResult(source_id="b", url=URL, final_url=URL, status=200, content_type="application/xml",
                              body=body)
        items = parse_fast(body, URL)
        assert items is not None and len(items) == 50, "the benchmark feed must take the fast path"
        fast = median_ms(lambda f=fetched: feed.FeedSource.parse(source, f), runs)
        feed.parse_fast = lambda body, base: None
        try:
            slow = median_ms(lambda f=fetched: feed.FeedSource.parse(source, f), runs)
            assert feed.FeedSource.parse(source, fetched).items == items
        finally:
            feed.parse_fast = real
        alone = median_ms(lambda b=body: parse_fast(b, URL), runs)
        bare_fp = median_ms(lambda b=body: feedparser.parse(b, sanitize_html=False, resolve_relative_uris=False), runs)
        bare_lxml = median_ms(lambda b=body: etree.fromstring(b), runs)
        print(f"| {name} | {len(body) / 1000:.1f} KB | {len(items)} | {fast:.2f} ms | {slow:.2f} ms "
              f"({slow / fast:.1f}x) | {alone:.2f} ms | {bare_fp:.2f} ms | {bare_lxml:.2f} ms |")


if __name__ == "__main__":
    main()
