"""Reading the store through the ORM: the queries behind `changes`, `show`, `sources`
and the published views. `watcher changes` itself reads through
`watcher.store.changes.change_rows`, which uses these only where its SQLite path does
not apply."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from watcher.store.changes import ChangeFilter, iso
from watcher.store.models import Change, ChangeJurisdiction, ChangeTag, Evidence, SourceState


def find_changes(session: Session, flt: ChangeFilter) -> list[Change]:
    """Changes matching `flt`, newest detected first. A jurisdiction matches its
    subdivisions (US finds US-CO); several jurisdictions or tags mean any of them."""
    return list(session.scalars(find_changes_query(flt)))


def find_changes_query(flt: ChangeFilter) -> Select[tuple[Change]]:
    """The SELECT behind `find_changes` (bench/postgres_figures.py EXPLAINs it)."""
    query = select(Change)
    if flt.since is not None:
        query = query.where(Change.detected_at >= flt.since)
    if not flt.include_irrelevant:
        query = query.where(Change.relevant.is_(True))
    if not flt.include_baseline:
        query = query.where(Change.baseline.is_(False))
    if flt.sources:
        query = query.where(Change.source_id.in_(flt.sources))
    if flt.jurisdictions:
        conditions = []
        for code in flt.jurisdictions:
            conditions += [ChangeJurisdiction.code == code, ChangeJurisdiction.code.like(f"{code}-%")]
        query = query.where(
            exists().where(ChangeJurisdiction.change_id == Change.id).where(or_(*conditions))
        )
    if flt.tags:
        query = query.where(exists().where(ChangeTag.change_id == Change.id).where(ChangeTag.tag.in_(flt.tags)))
    query = query.order_by(Change.detected_at.desc(), Change.id.desc())
    if flt.limit:
        query = query.limit(flt.limit)
    return query


def get_change(session: Session, change_id: int) -> Change | None:
    return session.get(Change, change_id)


def change_as_dict(change: Change, *, with_diff: bool = False) -> dict[str, Any]:
    """A change in the JSON shape of SPEC.md."""
    data: dict[str, Any] = {
        "id": change.id,
        "detected_at": iso(change.detected_at),
        "source": change.source_id,
        "kind": change.kind,
        "title": change.title,
        "url": change.url,
        "published": iso(change.published),
        "summary": change.summary,
        "relevant": change.relevant,
        "jurisdictions": list(change.jurisdictions or []),
        "tags": list(change.tags or []),
        "dates": list(change.dates or []),
        "baseline": change.baseline,
    }
    if change.corrected:  # SPEC.md: present, and true, only on a corrected change
        data["corrected"] = True
    if with_diff:
        data["diff"] = change.diff if change.kind == "updated" else None
    return data


def evidence_as_dict(session: Session, evidence_id: int | None) -> dict[str, Any] | None:
    """The evidence row of a change, text decompressed (None once pruned)."""
    from watcher.store.writes import evidence_text

    ev = session.get(Evidence, evidence_id) if evidence_id is not None else None
    if ev is None:
        return None
    return {"fetched_at": iso(ev.fetched_at), "url": ev.url, "final_url": ev.final_url, "status": ev.status,
            "content_type": ev.content_type, "etag": ev.etag, "last_modified": ev.last_modified,
            "body_sha256": ev.body_sha256, "text_size": ev.text_size, "text": evidence_text(ev)}


def source_states(session: Session) -> dict[str, SourceState]:
    return {s.id: s for s in session.scalars(select(SourceState))}
