"""Writing poll outcomes. Each function works inside the caller's session; the
caller commits once per source (never per row), so the conditional-GET state of
a source and the changes it produced are stored together or not at all."""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from watcher.diff import ItemChange, StoredItem
from watcher.store.bulk import IN_CHUNK, insert_rows, select_pairs, update_rows
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
                  "jurisdictions", "tags", "dates", "baseline", "diff", "evidence_id", "text", "stated_dates",
                  "corrected")


@dataclass(frozen=True, slots=True)
class ClassifiedChange:
    change: ItemChange
    classification: Classification


@dataclass(slots=True)
class PollState:
    """A source's row of `sources` (models.SourceState) as a poll reads and changes it:
    a plain object, not an ORM instance. A cycle changes the row of every source it
    polls, most of them only to record a 304, and the ORM's per-object bookkeeping
    cost four times the database's work (loading and flushing 2,000: ~80 ms of CPU
    against ~20). `written` names the columns the poll has set, which `save_states`
    writes back (the others stay as stored)."""

    id: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    last_status: int | None = None
    last_warning: str | None = None
    consecutive_failures: int = 0
    next_poll_at: datetime | None = None
    baseline_at: datetime | None = None
    item_count: int | None = None
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    written: tuple[str, ...] = ()


# The row's columns, in PollState's order (tests/test_store.py holds them equal to the model's).
STATE_COLUMNS = tuple(f.name for f in fields(PollState) if f.name != "written")
# What a poll writes of a source's row: after any answer, after a good one, after a
# failure, and after a new body was stored.
ATTEMPT_COLUMNS = ("last_attempt_at", "last_status", "claimed_by", "claimed_until", "consecutive_failures",
                   "last_error", "next_poll_at")
SUCCESS_COLUMNS = (*ATTEMPT_COLUMNS, "last_success_at", "etag", "last_modified")
FAILURE_COLUMNS = (*ATTEMPT_COLUMNS, "last_error_at")
BODY_COLUMNS = (*SUCCESS_COLUMNS, "baseline_at", "body_hash", "item_count", "last_warning")


def load_states(session: Session, source_ids: Iterable[str]) -> dict[str, PollState]:
    """The stored state of each source; a source without one gets its row now (inserted
    in the session's transaction)."""
    ids = list(dict.fromkeys(source_ids))
    table = SourceState.__table__
    states: dict[str, PollState] = {}
    for at in range(0, len(ids), IN_CHUNK):
        rows = session.execute(select(*(table.c[c] for c in STATE_COLUMNS)).where(table.c.id.in_(ids[at : at + IN_CHUNK])))
        states.update((row.id, PollState(*row)) for row in rows)
    missing = [PollState(source_id) for source_id in ids if source_id not in states]
    insert_rows(session, table, ("id", "consecutive_failures"), [(s.id, s.consecutive_failures) for s in missing])
    states.update((s.id, s) for s in missing)
    return states


def save_states(session: Session, states: Iterable[PollState]) -> None:
    """Write the columns each state's poll set (`written`), one executemany per set of
    columns, in the session's transaction; the states are then clean."""
    by_columns: dict[tuple[str, ...], list[PollState]] = defaultdict(list)
    for state in states:
        if state.written:
            by_columns[state.written].append(state)
    for columns, group in by_columns.items():
        update_rows(session, SourceState.__table__, "id", columns,
                    [(*(getattr(s, c) for c in columns), s.id) for s in group])
        for state in group:
            state.written = ()


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
         baseline, c.change.diff, evidence_id,
         # What it was classified from, so that `reclassify` reads this version, not the item's latest.
         c.change.item.text, list(c.change.item.dates) or None, False)
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
