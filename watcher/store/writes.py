"""Writing poll outcomes. Each function works inside the caller's session; the
caller commits once per source (never per row), so the conditional-GET state of
a source and the changes it produced are stored together or not at all."""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from watcher.diff import ItemChange, StoredItem
from watcher.store.bulk import insert_rows, select_pairs
from watcher.store.models import Change, ChangeJurisdiction, ChangeTag, Evidence, Item, SourceState
from watcher.text import one_line

if TYPE_CHECKING:
    from watcher.classify import Classification
    from watcher.config import SourceConfig
    from watcher.fetch import FetchResult


# The columns record_changes writes, in the order of its row tuples.
ITEM_COLUMNS = ("source_id", "key", "url", "title", "text", "fingerprint", "published", "first_seen_at",
                "changed_at")
CHANGE_COLUMNS = ("item_id", "source_id", "detected_at", "kind", "title", "url", "published", "summary", "relevant",
                  "jurisdictions", "tags", "dates", "baseline", "diff", "evidence_id")


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
    evidence_id: int | None = None,
) -> list[int]:
    """Insert or update the items and insert one change per item; returns the change
    ids, in the order of `classified`.

    Batched, below the ORM and Core (their per-row parameter handling cost more
    than SQLite's own work: see store/bulk.py): one executemany INSERT for new
    items, one executemany UPDATE for changed items, one INSERT for the changes and
    one per label table, whatever the number of items. The new ids are read back with one indexed SELECT each
    (items by their unique (source, key), changes by (source, detected_at): one
    poll makes at most one change per item) rather than with INSERT ... RETURNING,
    which SQLite can only do row by row when the order of the ids must be kept
    (a first poll of 2,000 sources spent a sixth of its time there).
    """
    if not classified:
        return []
    new = [c for c in classified if c.change.previous is None]
    item_ids: dict[int, int] = {}  # index in `classified` -> item id
    if new:
        insert_rows(session, Item.__table__, ITEM_COLUMNS, [
            (source_id, c.change.item.key, c.change.item.url, c.change.item.title, c.change.item.text,
             c.change.fingerprint, c.change.item.published, now, now)
            for c in new
        ])
        id_of_key = select_pairs(session, Item.__table__, "key", "id",
                                 {"source_id": source_id, "key": [c.change.item.key for c in new]})
        item_ids = {i: id_of_key[c.change.item.key] for i, c in enumerate(classified) if c.change.previous is None}
    updates = []
    for i, c in enumerate(classified):
        if c.change.previous is not None:
            item_ids[i] = c.change.previous.id
            updates.append({"id": c.change.previous.id, "url": c.change.item.url, "title": c.change.item.title,
                            "text": c.change.item.text, "fingerprint": c.change.fingerprint,
                            "published": c.change.item.published, "changed_at": now})
    if updates:
        session.execute(update(Item), updates)
    insert_rows(session, Change.__table__, CHANGE_COLUMNS, [
        (item_ids[i], source_id, now, c.change.kind, c.change.item.title, c.change.item.url,
         c.change.item.published, c.change.summary or one_line(c.change.item.text, 400), c.classification.relevant,
         list(c.classification.jurisdictions), list(c.classification.tags), list(c.classification.dates),
         baseline, c.change.diff, evidence_id)
        for i, c in enumerate(classified)
    ])
    id_of_item = select_pairs(session, Change.__table__, "item_id", "id",
                              {"source_id": source_id, "detected_at": now})
    change_ids = [id_of_item[item_ids[i]] for i in range(len(classified))]
    insert_rows(session, ChangeJurisdiction.__table__, ("change_id", "code"), [
        (cid, code) for cid, c in zip(change_ids, classified, strict=True)
        for code in dict.fromkeys(c.classification.jurisdictions)])
    insert_rows(session, ChangeTag.__table__, ("change_id", "tag"), [
        (cid, tag) for cid, c in zip(change_ids, classified, strict=True) for tag in dict.fromkeys(c.classification.tags)])
    return change_ids


def record_evidence(session: Session, source_id: str, fetched: FetchResult, text: tuple[int, bytes]) -> int:
    """Store what a fetch returned (headers, body hash, compressed text); returns its id.
    `text` is (size, zlib) from `ParseResult.compressed_evidence` (made where the parse ran)."""
    size, data = text
    row = {"source_id": source_id, "fetched_at": fetched.fetched_at, "url": fetched.url,
           "final_url": fetched.final_url, "status": fetched.status, "etag": fetched.etag,
           "last_modified": fetched.last_modified, "content_type": fetched.content_type,
           "body_sha256": fetched.body_hash, "text_size": size, "text_zlib": data}
    # Core, on the session's connection: the ORM's bulk-insert path cost ~0.4 ms more.
    table = Evidence.__table__
    return session.connection().execute(insert(table).returning(table.c.id), row).scalar_one()


def prune_evidence(session: Session, sources: Iterable[SourceConfig], now: datetime) -> None:
    """Drop the stored text of evidence older than each source's retention (hashes
    and headers stay). One UPDATE per distinct retention, not one per source."""
    by_retention: dict[float, list[str]] = defaultdict(list)
    for source in sources:
        by_retention[source.evidence_retention].append(source.id)
    for retention, ids in by_retention.items():
        session.execute(
            update(Evidence)
            .where(Evidence.source_id.in_(ids), Evidence.fetched_at < now - timedelta(seconds=retention),
                   Evidence.text_zlib.is_not(None))
            .values(text_zlib=None)
        )


def evidence_text(evidence: Evidence) -> str | None:
    return zlib.decompress(evidence.text_zlib).decode("utf-8") if evidence.text_zlib is not None else None


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
