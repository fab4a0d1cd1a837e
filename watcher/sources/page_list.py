"""`page-list`: an HTML listing page (a ministry's press board) whose rows are the items.

Two ways to find the rows:
- `items`: a CSS selector; each match is one item. Its first http(s) link,
  canonicalised (absolute, no fragment, no utm_*/paging parameters), is the
  identity and URL; the link's text (else the row's) is the title; the first
  date printed in the row is the published date.
- `item_pattern`: a regex run over the raw HTML, for boards whose rows are
  filled by script (Korea's MSIT: `onclick="fn_detail(123)"`). Named groups:
  `id` (identity), `title`, and `url` or else the `item_url` template.

A listing that yields no rows is an error, never "every item removed" and
never an empty baseline: boards always have rows, so an empty one is a soft
block (burst limit, bot challenge) or a selector broken by a redesign.
"""

from __future__ import annotations

import html
import itertools
import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from watcher.budget import MAX_LISTING_TEXT
from watcher.errors import ParseError
from watcher.fetch import decode_body
from watcher.sources import MAX_ITEMS, Key, ParsedItem, ParseResult, SourceType
from watcher.sources.dates import find_date
from watcher.sources.html import node_text, parse_html, select
from watcher.text import html_to_text, normalise_text
from watcher.urls import canonical_url, is_web_url

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

    from watcher.config import SourceConfig
    from watcher.fetch import FetchResult


def _regex(value: str) -> str | None:
    try:
        compiled = re.compile(value)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    groups = set(compiled.groupindex)
    if "title" not in groups or not {"id", "url"} & groups:
        return "needs named groups (?P<title>...) and (?P<id>...) or (?P<url>...)"
    return None


class PageListSource(SourceType, name="page-list"):
    """A listing page: each element matching `items` is one item, its first link
    giving url and title; or `item_pattern`, a regex with named groups."""

    keys = {
        "items": Key(str, "CSS selector of one item (row) on the listing page"),
        "item_pattern": Key(str, "regex with named groups id, title and url, for script-filled boards", check=_regex),
        "item_url": Key(str, "URL template for item_pattern without a url group, e.g. https://.../view.do?no={id}"),
    }

    @classmethod
    def validate_options(cls, options: dict) -> list[tuple[str, str]]:
        if "items" not in options and "item_pattern" not in options:
            return [("items", "a page-list needs 'items' (a CSS selector) or 'item_pattern' (a regex)")]
        if "items" in options and "item_pattern" in options:
            return [("item_pattern", "give either 'items' or 'item_pattern', not both")]
        pattern = options.get("item_pattern")
        if pattern and "url" not in re.compile(pattern).groupindex and "item_url" not in options:
            return [("item_url", "item_pattern has no (?P<url>...) group, so 'item_url' (with {id}) is required")]
        if "item_url" in options and "{id}" not in options["item_url"]:
            return [("item_url", "must contain {id}, replaced by the pattern's id group")]
        return []

    @classmethod
    def parse(cls, source: SourceConfig, fetched: FetchResult) -> ParseResult:
        assert fetched.body is not None
        text, _ = decode_body(fetched.body, fetched.content_type, source.encoding)
        base = fetched.final_url or source.url
        warning = None
        if "item_pattern" in source.options:
            items = _pattern_items(text, base, source.options["item_pattern"], source.options.get("item_url"))
            what = f"item_pattern matched nothing on the page ({len(text):,} characters)"
        else:
            items, warning = _selector_items(text, base, source.options["items"])
            what = f"selector '{source.options['items']}' matched nothing on the page"
        if not items:
            raise ParseError(what + "; a soft block (rate limit, bot challenge) or a site redesign")
        return ParseResult(items=_unique(items), warning=warning, evidence_text=text)


def _link(href: str, base: str) -> str:
    return canonical_url(href, base)


def _is_message_row(row: LexborNode) -> bool:
    """A linkless table row that is not an item: a header row (only <th> cells) or a
    single cell spanning the table ("등록된 게시물이 없습니다", "No results")."""
    if row.tag != "tr":
        return False
    cells = [c for c in row.iter() if c.tag in ("td", "th")]
    if cells and all(c.tag == "th" for c in cells):
        return True
    return len(cells) == 1 and (cells[0].attributes.get("colspan") or "1").strip() not in ("", "1")


def _selector_items(text: str, base: str, selector: str) -> tuple[list[ParsedItem], str | None]:
    tree, warning = parse_html(text)
    items = []
    read = 0  # characters of row text read: rows nested in rows would read the page again and again
    for row in select(tree, selector)[:MAX_ITEMS]:
        if read > MAX_LISTING_TEXT:
            warning = (f"the rows' text passed {MAX_LISTING_TEXT:,} characters (rows nested in rows?); read the first "
                       f"{len(items):,} (watcher.budget.MAX_LISTING_TEXT)")
            break
        link = url = None
        for a in row.css("a[href]"):  # the first http(s) link, canonicalised once
            candidate = _link(a.attributes.get("href") or "", base)
            if is_web_url(candidate):
                link, url = a, candidate
                break
        if link is None and _is_message_row(row):
            continue
        row_text = node_text(row)
        read += len(row_text)
        if not row_text and link is None:
            continue
        title = normalise_text(" ".join((link.text() if link is not None else "").split())) or " ".join(row_text.split())
        key = url or "text:" + " ".join(row_text.split())[:500]
        items.append(ParsedItem(key=key, title=title[:1000], url=url, published=find_date(row_text), text=""))
    return items, warning


def _pattern_items(text: str, base: str, pattern: str, item_url: str | None) -> list[ParsedItem]:
    items = []
    for m in itertools.islice(re.finditer(pattern, text), MAX_ITEMS):
        groups = m.groupdict()
        raw_id = (groups.get("id") or "").strip()
        title = html_to_text(html.unescape(groups.get("title") or ""))
        if groups.get("url"):
            url = _link(html.unescape(groups["url"]), base)
        elif item_url and raw_id:
            url = _link(item_url.replace("{id}", quote(raw_id, safe="")), base)
        else:
            url = None
        if url and not is_web_url(url):
            url = None
        key = raw_id or url
        if not key or not title:
            continue
        tail = text[m.end(): m.end() + 400]  # a date printed right after the match
        items.append(ParsedItem(key=key, title=title[:1000], url=url, published=find_date(html_to_text(m.group(0) + tail))))
    return items


def _unique(items: list[ParsedItem]) -> list[ParsedItem]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.key not in seen:
            seen.add(item.key)
            out.append(item)
    return out
