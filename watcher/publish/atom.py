"""Relevant changes as an Atom feed (RFC 4287), for feed readers.

Entry ids are `urn:uuid:` values derived from the change's source, item key,
kind and detection time, so they do not depend on the store's row ids. Titles and
text are XML-escaped by lxml (characters XML cannot carry are dropped); links are
only http(s).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from watcher.store.models import Change, Item
from watcher.store.queries import ChangeFilter, find_changes, iso

ATOM = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAMESPACE = uuid.UUID("5b0b7f6e-2d1c-4f7a-9a55-7d1f3c0e9a10")


def _clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def feed_title(flt: ChangeFilter) -> str:
    """"AI regulation changes — EU; delay" for a filter on EU and the delay tag."""
    parts = [", ".join(flt.jurisdictions), ", ".join(flt.tags), ", ".join(flt.sources)]
    scope = "; ".join(p for p in parts if p)
    return "AI regulation changes" + (f" — {scope}" if scope else "")


def build_feed(session: Session, flt: ChangeFilter, *, self_url: str | None = None,
               now: datetime | None = None) -> bytes:
    """The Atom document (UTF-8 bytes) of the changes matching `flt`, newest first."""
    changes = find_changes(session, flt)
    keys: dict[int, str] = {}
    if changes:
        rows = session.execute(select(Item.id, Item.key).where(Item.id.in_({c.item_id for c in changes})))
        keys = {item_id: key for item_id, key in rows}
    return to_atom(changes, keys, title=feed_title(flt), self_url=self_url, now=now)


def entry_id(change: Change, item_key: str | None) -> str:
    basis = f"{change.source_id}\n{item_key or change.item_id}\n{change.kind}\n{iso(change.detected_at)}"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, basis)}"


def to_atom(changes: Sequence[Change], item_keys: dict[int, str], *, title: str,
            self_url: str | None = None, now: datetime | None = None) -> bytes:
    from lxml import etree

    from watcher.notify.render import format_date, safe_url

    def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _clean(v) for k, v in attrs.items()})
        if text is not None:
            el.text = _clean(text)
        return el

    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    sub(feed, "id", f"urn:uuid:{uuid.uuid5(_NAMESPACE, 'feed:' + title)}")
    sub(feed, "title", title)
    sub(feed, "subtitle", "Changes to official AI-regulation sources, found and classified by watcher.")
    updated = max((c.detected_at for c in changes), default=now or datetime.now(UTC))
    sub(feed, "updated", iso(updated))
    author = sub(feed, "author")
    sub(author, "name", "watcher")
    sub(feed, "generator", "watcher")
    if self_url and safe_url(self_url):
        sub(feed, "link", rel="self", href=safe_url(self_url), type="application/atom+xml")
    for c in changes:
        entry = sub(feed, "entry")
        sub(entry, "id", entry_id(c, item_keys.get(c.item_id)))
        sub(entry, "title", c.title or "(untitled)", type="text")
        if url := safe_url(c.url):
            sub(entry, "link", rel="alternate", href=url)
        sub(entry, "updated", iso(c.detected_at))
        if c.published:
            sub(entry, "published", iso(c.published))
        for code in c.jurisdictions or []:
            sub(entry, "category", term=code, scheme="urn:watcher:jurisdiction")
        for tag in c.tags or []:
            sub(entry, "category", term=tag, scheme="urn:watcher:tag")
        lines = [f"{'New' if c.kind == 'new' else 'Updated'} in {', '.join(c.jurisdictions or []) or '—'}"
                 f" (source {c.source_id})."]
        if c.tags:
            lines.append("Tags: " + ", ".join(c.tags) + ".")
        for d in c.dates or []:
            if isinstance(d, dict):
                label = "Effective" if d.get("kind") == "effective" else "Deadline"
                lines.append(f"{label}: {format_date(d.get('date'))}.")
        if c.summary:
            lines.append(c.summary)
        sub(entry, "summary", "\n".join(lines), type="text")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)
