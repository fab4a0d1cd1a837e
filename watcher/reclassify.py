"""`watcher reclassify`: run the classifier again over stored changes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from watcher.config import Config
from watcher.prepare import classify_for_source
from watcher.sources import ParsedItem
from watcher.store.db import Store
from watcher.store.models import Change, Item
from watcher.store.writes import write_labels

BATCH = 1000


def reclassify_changes(config: Config, store: Store, source_ids: Iterable[str] = ()) -> tuple[int, int]:
    """Classify every stored change (of `source_ids`, or all) again from its item's
    current text; returns (changes seen, changes whose classification differs).
    Changes of sources no longer configured keep their stored jurisdictions as hint.
    Works in batches of 1,000, each committed, so memory stays flat on any store."""
    ids = list(source_ids)
    sources = {s.id: s for s in config.sources}
    total = differ = 0
    last_id = 0
    while True:
        with store.session() as session:
            query = (select(Change, Item.text).join(Item, Item.id == Change.item_id)
                     .where(Change.id > last_id).order_by(Change.id).limit(BATCH))
            if ids:
                query = query.where(Change.source_id.in_(ids))
            rows = session.execute(query).all()
            if not rows:
                return total, differ
            for change, text in rows:
                item = ParsedItem(key="", title=change.title, url=change.url, published=change.published, text=text or "")
                cls = classify_for_source(sources.get(change.source_id), item, tuple(change.jurisdictions or ()))
                new = (cls.relevant, list(cls.jurisdictions), list(cls.tags), list(cls.dates))
                if new != (change.relevant, change.jurisdictions, change.tags, change.dates):
                    differ += 1
                    change.relevant, change.jurisdictions, change.tags, change.dates = new
                    write_labels(session, change.id, cls.jurisdictions, cls.tags)
            total += len(rows)
            last_id = rows[-1][0].id
