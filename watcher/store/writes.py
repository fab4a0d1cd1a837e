"""Writing poll outcomes. Each function works inside the caller's session; the
caller commits once per source (never per row), so the conditional-GET state of
a source and the changes it produced are stored together or not at all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from watcher.classify import Classification
from watcher.diff import ItemChange, StoredItem
from watcher.store.models import Change, ChangeJurisdiction, ChangeTag, Item, SourceState
from watcher.text import one_line


@dataclass(frozen=True, slots=True)
class ClassifiedChange:
    change: ItemChange
    classification: Classification


def load_states(session: Session, source_ids: Iterable[str]) -> dict[str, SourceState]:
    """The stored state of each source, created (unsaved until commit) where missing."""
    ids = list(source_ids)
    states = {s.id: s for s in session.scalars(select(SourceState).where(SourceState.id.in_(ids)))} if ids else {}
    for source_id in ids:
        if source_id not in states:
            state = SourceState(id=source_id, consecutive_failures=0)
            session.add(state)
            states[source_id] = state
    return states


def stored_items(session: Session, source_id: str) -> dict[str, StoredItem]:
    rows = session.execute(
        select(Item.key, Item.id, Item.fingerprint, Item.title, Item.text).where(Item.source_id == source_id)
    )
    return {key: StoredItem(id_, fp, title, text) for key, id_, fp, title, text in rows}


def record_changes(
    session: Session,
    source_id: str,
    classified: list[ClassifiedChange],
    *,
    now: datetime,
    baseline: bool,
) -> list[int]:
    """Insert or update the items and insert one change per item; returns the change ids."""
    change_ids: list[int] = []
    for entry in classified:
        ch, cls = entry.change, entry.classification
        item = ch.item
        if ch.previous is None:
            row = Item(
                source_id=source_id, key=item.key, url=item.url, title=item.title, text=item.text,
                fingerprint=ch.fingerprint, published=item.published, first_seen_at=now, changed_at=now,
            )
            session.add(row)
            session.flush([row])
            item_id = row.id
        else:
            item_id = ch.previous.id
            session.execute(
                Item.__table__.update()
                .where(Item.id == item_id)
                .values(url=item.url, title=item.title, text=item.text, fingerprint=ch.fingerprint,
                        published=item.published, changed_at=now)
            )
        change = Change(
            item_id=item_id, source_id=source_id, detected_at=now, kind=ch.kind, title=item.title,
            url=item.url, published=item.published, summary=one_line(item.text, 400),
            relevant=cls.relevant, jurisdictions=list(cls.jurisdictions), tags=list(cls.tags),
            dates=list(cls.dates), baseline=baseline, diff=ch.diff,
        )
        session.add(change)
        session.flush([change])
        change_ids.append(change.id)
        write_labels(session, change.id, cls.jurisdictions, cls.tags)
    return change_ids


def write_labels(session: Session, change_id: int, jurisdictions: Iterable[str], tags: Iterable[str]) -> None:
    """(Re)write the indexed jurisdiction and tag rows of one change."""
    session.execute(delete(ChangeJurisdiction).where(ChangeJurisdiction.change_id == change_id))
    session.execute(delete(ChangeTag).where(ChangeTag.change_id == change_id))
    codes = [{"change_id": change_id, "code": c} for c in dict.fromkeys(jurisdictions)]
    tag_rows = [{"change_id": change_id, "tag": t} for t in dict.fromkeys(tags)]
    if codes:
        session.execute(insert(ChangeJurisdiction), codes)
    if tag_rows:
        session.execute(insert(ChangeTag), tag_rows)
