"""`feed`: RSS 0.9x/1.0/2.0 and Atom, parsed with feedparser."""

from __future__ import annotations

import hashlib
import itertools
import re
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from watcher.budget import FEED_FALLBACK_MAX_BYTES, FEED_FALLBACK_MAX_ELEMENTS
from watcher.errors import ParseError
from watcher.fetch import utf8_xml
from watcher.sources import MAX_ITEMS, ParsedItem, ParseResult, SourceType
from watcher.text import html_to_text, normalise_text
from watcher.urls import canonical_url, is_web_url

if TYPE_CHECKING:
    from watcher.config import SourceConfig
    from watcher.fetch import FetchResult


def parse_fast(body: bytes, base: str) -> list[ParsedItem] | None:
    """The lxml fast path (`watcher.sources.fastfeed`), imported on first use: a
    cycle in which no feed changed never loads it."""
    from watcher.sources.fastfeed import parse_fast as fast

    return fast(body, base)


class FeedSource(SourceType, name="feed"):
    """An RSS or Atom feed. An entry's identity is its id/guid, else its
    canonicalised link, else a hash of its title and date."""

    keys = {}

    @classmethod
    def parse(cls, source: SourceConfig, fetched: FetchResult) -> ParseResult:
        assert fetched.body is not None
        if not fetched.body.strip():
            raise ParseError(f"empty document: HTTP {fetched.status or 200} with no content, not a feed")
        body = utf8_xml(fetched.body, fetched.content_type, source.encoding)
        body, dropped = _keep_first_entries(body, MAX_ITEMS)
        base = fetched.final_url or source.url
        fast = parse_fast(body, base)
        if fast is not None:  # a plain common feed: the same items feedparser would give, ~20x faster
            warning = f"feed has more than {MAX_ITEMS} entries; read the first {MAX_ITEMS}" if dropped else None
            return ParseResult(items=fast, warning=warning, evidence_text=body.decode("utf-8", errors="replace"))
        check_fallback_cost(body)
        import feedparser

        parsed = feedparser.parse(
            body,
            response_headers={"content-type": "application/xml; charset=utf-8", "content-location": base},
            # watcher reduces entry HTML to plain text itself (and escapes it wherever
            # it is shown), so feedparser's costly sanitising and URI rewriting of
            # that HTML would be wasted work: about a third of its parse time.
            sanitize_html=False,
            resolve_relative_uris=False,
        )
        if not parsed.get("version") and not parsed.entries:
            reason = parsed.get("bozo_exception")
            looks_html = body[:2048].lower().find(b"<html") >= 0
            what = "an HTML page, not a feed" if looks_html else "not a feed"
            raise ParseError(f"{what}" + (f" ({_short(reason)})" if reason else ""))
        items = []
        seen: set[str] = set()
        for entry in parsed.entries:
            item = _item(entry, base)
            if item.key not in seen:  # a feed repeating an entry lists it once
                seen.add(item.key)
                items.append(item)
        warning = None
        if dropped:
            warning = f"feed has more than {MAX_ITEMS} entries; read the first {MAX_ITEMS}"
        elif parsed.get("bozo"):
            warning = f"feed has errors, kept {len(items)} entries: {_short(parsed.get('bozo_exception'))}"
        return ParseResult(items=items, warning=warning, evidence_text=body.decode("utf-8", errors="replace"))


def check_fallback_cost(body: bytes) -> None:
    """ParseError unless feedparser may read `body` within the budget: at most
    FEED_FALLBACK_MAX_BYTES and FEED_FALLBACK_MAX_ELEMENTS, and no element nested
    past libxml2's depth limit or any other of its limits (lxml reads the document
    leniently to count: ~10 ms a megabyte, where feedparser takes ~30 us an element)."""
    what = "the feed is not one the fast reader takes, and the feedparser fallback"
    if len(body) > FEED_FALLBACK_MAX_BYTES:
        raise ParseError(f"{what} reads at most {FEED_FALLBACK_MAX_BYTES:,} bytes; this one has {len(body):,} "
                         "(watcher.budget.FEED_FALLBACK_MAX_BYTES)")
    from lxml import etree

    parser = etree.XMLParser(recover=True, huge_tree=False, resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        root = None  # nothing readable: feedparser says what it is
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in error.message:
            raise ParseError(f"the feed exceeds a limit of the XML parser (line {error.line}: "
                             f"{error.message.strip()[:120]}); not parsed")
    if root is not None:
        elements = sum(1 for _ in itertools.islice(root.iter(), FEED_FALLBACK_MAX_ELEMENTS + 1))
        if elements > FEED_FALLBACK_MAX_ELEMENTS:
            raise ParseError(f"{what} reads at most {FEED_FALLBACK_MAX_ELEMENTS:,} elements; this one has more "
                             "(watcher.budget.FEED_FALLBACK_MAX_ELEMENTS)")


_ENTRY_START = re.compile(rb"<(?:[A-Za-z0-9_]+:)?(?:item|entry)[\s>/]")


def _keep_first_entries(body: bytes, limit: int) -> tuple[bytes, bool]:
    """`body` cut just before its (limit+1)-th <item>/<entry>, so the parser never
    builds more than `limit` entries (feedparser reads the truncated rest leniently)."""
    if body.count(b"<item") + body.count(b"<entry") + body.count(b":item") + body.count(b":entry") <= limit:
        return body, False
    for n, m in enumerate(_ENTRY_START.finditer(body)):
        if n == limit:
            return body[: m.start()], True
    return body, False


def _item(entry: Any, base: str) -> ParsedItem:
    title = normalise_text(html_to_text(entry.get("title") or ""))
    link = entry.get("link") or ""
    url = canonical_url(link, base) if link else None
    if url and not is_web_url(url):
        url = None  # javascript:, file:, data: links are never shown or followed
    text = ""
    if entry.get("content"):
        text = html_to_text(entry["content"][0].get("value") or "")
    if not text:
        text = html_to_text(entry.get("summary") or "")
    published = _datetime(entry.get("published_parsed") or entry.get("updated_parsed"))
    key = (entry.get("id") or "").strip() or url
    if not key:
        stamp = entry.get("published") or entry.get("updated") or ""
        key = "sha1:" + hashlib.sha1(f"{title}\n{stamp}".encode()).hexdigest()
    return ParsedItem(key=key[:1000], title=title or "(untitled)", url=url, published=published, text=text)


def _datetime(value: time.struct_time | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _short(exc: Any) -> str:
    text = str(exc) if exc is not None else ""
    return (text or type(exc).__name__)[:200]
