"""Analysts' corrections (`watcher correct`) and the effective labels of a change.

Design: the classifier's labels and the corrections are kept apart, and the
change's own `relevant`, `jurisdictions` and `tags` columns (and its rows in
`change_jurisdictions` / `change_tags`) always hold the *effective* labels: the
classifier's, with every correction applied. Every reader (changes in all formats,
show, digests, channel filters, calendar, feed, report, the fast SQLite read path
of `watcher changes`) therefore stays as it was and as fast, and cannot forget a
correction. The only writers of labels are the poll (no correction can exist yet),
`watcher correct` and `watcher reclassify`, and both of the latter go through
`set_labels`, the one function that computes the effective labels.

- `corrections` keeps one row per `watcher correct` (who, when, note, tags and
  jurisdictions added and removed, a relevance override), applied in id order:
  the latest word on a label wins.
- Once a change is corrected, `changes.classified` keeps the classifier's own
  labels, so a later correction or `reclassify` starts from them, not from labels
  already corrected; `changes.corrected` is true when a correction changed a field
  (a correction with only a note is kept and listed, but corrects nothing).
- Dates are not corrected (the command has no option for them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watcher.store.models import Change, Correction, Item
from watcher.store.writes import write_labels


@dataclass(frozen=True, slots=True)
class Labels:
    relevant: bool
    jurisdictions: tuple[str, ...]
    tags: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"relevant": self.relevant, "jurisdictions": list(self.jurisdictions), "tags": list(self.tags)}


def labels_of(change: Change) -> Labels:
    """The classifier's labels of `change` (its own columns until it is corrected)."""
    if change.classified is not None:
        c = change.classified
        return Labels(bool(c.get("relevant")), tuple(c.get("jurisdictions") or ()), tuple(c.get("tags") or ()))
    return Labels(change.relevant, tuple(change.jurisdictions or ()), tuple(change.tags or ()))


def is_correcting(correction: Correction) -> bool:
    """True when `correction` changes a field (not a note alone)."""
    return bool(correction.relevant is not None or correction.tags_add or correction.tags_remove
                or correction.jurisdictions_add or correction.jurisdictions_remove)


def effective_labels(classified: Labels, corrections: Iterable[Correction]) -> Labels:
    """`classified` with `corrections` applied in order (the last word on a label wins).
    Corrected lists come out sorted, as the classifier gives them."""
    relevant = classified.relevant
    jurisdictions = list(classified.jurisdictions)
    tags = list(classified.tags)
    touched = False
    for c in corrections:
        touched = touched or is_correcting(c)
        if c.relevant is not None:
            relevant = c.relevant
        tags = [t for t in tags if t not in c.tags_remove] + [t for t in c.tags_add if t not in tags]
        jurisdictions = ([j for j in jurisdictions if j not in c.jurisdictions_remove]
                         + [j for j in c.jurisdictions_add if j not in jurisdictions])
    if not touched:
        return classified
    return Labels(relevant, tuple(sorted(dict.fromkeys(jurisdictions))), tuple(sorted(dict.fromkeys(tags))))


def corrections_of(session: Session, change_ids: Sequence[int]) -> dict[int, list[Correction]]:
    """The corrections of each of `change_ids` that has any, oldest first."""
    out: dict[int, list[Correction]] = {}
    if not change_ids:
        return out
    for c in session.scalars(select(Correction).where(Correction.change_id.in_(list(change_ids)))
                             .order_by(Correction.id)):
        out.setdefault(c.change_id, []).append(c)
    return out


def set_labels(session: Session, change: Change, classified: Labels, corrections: Sequence[Correction]) -> bool:
    """Store `classified` as the classifier's labels of `change` and write its effective
    labels (columns and filter rows). Returns True when the effective labels changed."""
    effective = effective_labels(classified, corrections)
    corrected = any(is_correcting(c) for c in corrections)
    before = Labels(change.relevant, tuple(change.jurisdictions or ()), tuple(change.tags or ()))
    change.classified = classified.as_dict() if corrections else None
    change.corrected = corrected
    if effective == before:
        return False
    change.relevant = effective.relevant
    change.jurisdictions = list(effective.jurisdictions)
    change.tags = list(effective.tags)
    write_labels(session, change.id, effective.jurisdictions, effective.tags)
    return True


def add_correction(session: Session, change: Change, *, at: datetime, by: str, note: str | None = None,
                   relevant: bool | None = None, tags_add: Sequence[str] = (), tags_remove: Sequence[str] = (),
                   jurisdictions_add: Sequence[str] = (), jurisdictions_remove: Sequence[str] = ()) -> Correction:
    """Record a correction of `change` and rewrite its effective labels, in the caller's
    transaction. Values must already be valid codes and tags (the CLI checks them)."""
    classified = labels_of(change)  # read before the new row exists
    row = Correction(change_id=change.id, at=at, by=by, note=note, relevant=relevant,
                     tags_add=list(tags_add), tags_remove=list(tags_remove),
                     jurisdictions_add=list(jurisdictions_add), jurisdictions_remove=list(jurisdictions_remove))
    session.add(row)
    session.flush()
    set_labels(session, change, classified, corrections_of(session, [change.id]).get(change.id, []))
    return row


def all_corrections(session: Session) -> list[tuple[Correction, Change]]:
    """Every correction with its change, oldest first."""
    return list(session.execute(select(Correction, Change).join(Change, Change.id == Correction.change_id)
                                .order_by(Correction.id)).tuples())


def own_texts(session: Session, changes: Sequence[Change]) -> dict[int, str]:
    """change id -> the text each of `changes` was classified from when detected.

    Changes recorded before the store kept it (revision 0005, `Change.text` NULL) get
    the best text there is: their item's text when the change is the item's latest
    (it is then exactly the change's own), else the change's summary (the first 400
    characters of its own text, or for an updated document the lines its diff added
    and removed), never a later version's text. Load `Change.text` undeferred."""
    old = [c for c in changes if c.text is None]
    out = {c.id: c.text for c in changes if c.text is not None}
    if not old:
        return out
    item_ids = list({c.item_id for c in old})
    latest = dict(session.execute(select(Change.item_id, func.max(Change.id)).where(Change.item_id.in_(item_ids))
                                  .group_by(Change.item_id)).tuples().all())
    item_text = dict(session.execute(select(Item.id, Item.text).where(Item.id.in_(item_ids))).tuples().all())
    for c in old:
        out[c.id] = (item_text.get(c.item_id) if latest.get(c.item_id) == c.id else c.summary) or ""
    return out
