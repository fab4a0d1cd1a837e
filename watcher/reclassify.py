"""`watcher reclassify`: run the classifier again over stored changes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import undefer

from watcher.config import Config
from watcher.prepare import classify_for_source
from watcher.sources import ParsedItem
from watcher.store.corrections import Labels, corrections_of, own_texts, set_labels
from watcher.store.db import Store
from watcher.store.models import Change

BATCH = 1000


def classified_item(change: Change, text: str) -> ParsedItem:
    """The item `change` was classified from when detected, given its own `text`
    (`own_texts`): its title, that text and the dates its source stated. What
    `reclassify` and `watcher show`'s explanation classify again."""
    return ParsedItem(key="", title=change.title, url=change.url, published=change.published,
                      text=text, dates=list(change.stated_dates or []))


def reclassify_changes(config: Config, store: Store, source_ids: Iterable[str] = ()) -> tuple[int, int]:
    """Classify every stored change (of `source_ids`, or all) again from what it was
    classified from when detected: its own title and text and the dates its source
    stated (`Change.text`, `Change.stated_dates`), never a later version of its item.
    Returns (changes seen, changes whose classification differs).

    Changes recorded before the store kept their text (revision 0005) fall back to the
    best text there is (`watcher.store.corrections.own_texts`): the item's text when
    the change is the item's latest, else the change's summary, never a later
    version's text.

    A corrected change gets the classifier's new labels underneath, and its
    corrections still win (watcher.store.corrections). Changes of sources no longer
    configured keep their stored jurisdictions as hint. Works in batches of 1,000,
    each committed, so memory stays flat on any store."""
    ids = list(source_ids)
    sources = {s.id: s for s in config.sources}
    total = differ = 0
    last_id = 0
    while True:
        with store.session() as session:
            query = (select(Change).options(undefer(Change.text))
                     .where(Change.id > last_id).order_by(Change.id).limit(BATCH))
            if ids:
                query = query.where(Change.source_id.in_(ids))
            rows = list(session.scalars(query))
            if not rows:
                return total, differ
            texts = own_texts(session, rows)
            fixes = corrections_of(session, [c.id for c in rows if c.classified is not None])
            for change in rows:
                item = classified_item(change, texts[change.id])
                source = sources.get(change.source_id)
                hint = tuple((change.classified or {}).get("jurisdictions") or change.jurisdictions or ())
                cls = classify_for_source(source, item, hint)
                labels = Labels(cls.relevant, tuple(cls.jurisdictions), tuple(cls.tags))
                changed = set_labels(session, change, labels, fixes.get(change.id, []))
                if list(cls.dates) != change.dates:
                    change.dates = list(cls.dates)
                    changed = True
                differ += changed
            total += len(rows)
            last_id = rows[-1].id
