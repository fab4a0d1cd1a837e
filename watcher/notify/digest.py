"""What a channel is sent, as data: the `Digest` every renderer (e-mail templates,
Slack blocks, webhook JSON) works from, and how it is built from the store.

A digest groups its changes by jurisdiction, then by tag; each change appears
once, under its first jurisdiction and its most telling tag. It also lists the
stored effective dates and deadlines of the next 90 days and the sources that
have been failing for more than a day.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from watcher import jurisdictions as jur
from watcher.notify.limits import (
    MAX_DIFF_LINE,
    MAX_DIFF_LINES,
    MAX_ERROR,
    MAX_SUMMARY,
    MAX_TITLE,
    cut,
)
from watcher.store.models import Change, SourceState
from watcher.urls import is_web_url

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from watcher.config import ChannelConfig, Config

# The order in which a change's tags decide where it is listed: what bites first.
TAG_PRIORITY = ("delay", "enforcement-date", "new-law", "new-decree", "enforcement-action",
                "consultation", "draft", "amendment", "guidance")
TAG_LABELS = {
    "delay": "Delays", "enforcement-date": "Enforcement dates", "new-law": "New laws",
    "new-decree": "New decrees and regulations", "enforcement-action": "Enforcement actions",
    "consultation": "Consultations", "draft": "Drafts and bills", "amendment": "Amendments",
    "guidance": "Guidance", "": "Other news",
}
UPCOMING_DAYS = 90
FAILING_AFTER = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DigestChange:
    id: int
    title: str
    url: str | None  # http(s) only: anything else is dropped before it reaches a template
    source_id: str
    source_name: str
    kind: str  # new | updated
    detected_at: datetime
    published: datetime | None
    jurisdictions: list[str]
    tags: list[str]
    dates: list[dict[str, str]]
    summary: str
    added: list[str] = field(default_factory=list)  # for documents: lines the update added
    removed: list[str] = field(default_factory=list)
    more_added: int = 0  # added lines left out (beyond MAX_DIFF_LINES)
    more_removed: int = 0
    cut: bool = False  # something was shortened or left out: the whole change is in `watcher show ID`


@dataclass(frozen=True, slots=True)
class TagGroup:
    tag: str  # "" for changes without tags
    label: str
    changes: list[DigestChange]


@dataclass(frozen=True, slots=True)
class JurisdictionGroup:
    jurisdiction: str
    count: int
    tags: list[TagGroup]


@dataclass(frozen=True, slots=True)
class UpcomingDate:
    date: str  # as stored: 2026-01-22, 2026-01 or 2027
    kind: str  # effective | deadline
    title: str
    url: str | None
    jurisdictions: list[str]
    change_id: int


@dataclass(frozen=True, slots=True)
class FailingSource:
    id: str
    name: str
    failures: int
    last_error: str
    last_success_at: datetime | None


@dataclass(frozen=True, slots=True)
class Digest:
    channel_id: str
    generated_at: datetime
    subject: str
    changes: list[DigestChange]
    groups: list[JurisdictionGroup]
    upcoming: list[UpcomingDate]
    failing: list[FailingSource]
    instant: bool = False  # an instant alert rather than a scheduled digest

    def as_json(self) -> dict[str, Any]:
        """The webhook body's payload: changes as `watcher changes --format json` prints them."""
        from watcher.store.queries import iso

        return {
            "channel": self.channel_id,
            "type": "instant" if self.instant else "digest",
            "generated_at": iso(self.generated_at),
            "subject": self.subject,
            "changes": [change_json(c) for c in self.changes],
            "upcoming": [{"date": u.date, "kind": u.kind, "title": u.title, "url": u.url,
                          "jurisdictions": u.jurisdictions, "change_id": u.change_id} for u in self.upcoming],
            "failing_sources": [{"id": f.id, "name": f.name, "consecutive_failures": f.failures,
                                 "last_error": f.last_error, "last_success": iso(f.last_success_at)}
                                for f in self.failing],
        }


def change_json(c: DigestChange) -> dict[str, Any]:
    from watcher.store.queries import iso

    return {"id": c.id, "detected_at": iso(c.detected_at), "source": c.source_id, "kind": c.kind,
            "title": c.title, "url": c.url, "published": iso(c.published), "summary": c.summary,
            "relevant": True, "jurisdictions": c.jurisdictions, "tags": c.tags, "dates": c.dates,
            "baseline": False}


def digest_change(change: Change, source_names: dict[str, str], *, compact: bool = False) -> DigestChange:
    """`change` as channels send it, cut to the limits of `watcher.notify.limits`; with
    `compact`, its title and link only (for a receiver that refused even that size)."""
    title, title_cut = cut(change.title or "", MAX_TITLE)
    summary, summary_cut = cut(change.summary or "", MAX_SUMMARY)
    added, removed, more_added, more_removed, lines_cut = (
        _diff_lines(change.diff) if change.kind == "updated" and not compact else ([], [], 0, 0, False))
    if compact:
        summary, summary_cut = "", bool(change.summary) or bool(change.diff)
    return DigestChange(
        id=change.id, title=title, url=change.url if is_web_url(change.url) else None,
        source_id=change.source_id, source_name=source_names.get(change.source_id, change.source_id),
        kind=change.kind, detected_at=change.detected_at, published=change.published,
        jurisdictions=list(change.jurisdictions or []), tags=list(change.tags or []),
        dates=list(change.dates or []), summary=summary, added=added, removed=removed,
        more_added=more_added, more_removed=more_removed,
        cut=title_cut or summary_cut or lines_cut or bool(more_added or more_removed),
    )


def build_digest(
    session: Session,
    config: Config,
    channel: ChannelConfig,
    changes: list[Change],
    now: datetime,
    *,
    instant: bool = False,
    compact: bool = False,
    extras: bool = True,
) -> Digest:
    """The digest of `changes` for `channel`, with its upcoming dates and failing sources
    (unless `extras` is false: a later part of a digest split for its size). `compact`
    keeps each change's title and link only."""
    names = {s.id: s.name for s in config.sources}
    items = [digest_change(c, names, compact=compact)
             for c in sorted(changes, key=lambda c: (c.detected_at, c.id), reverse=True)]
    groups = group_changes(items)
    upcoming = [] if instant or not extras else upcoming_dates(session, channel, now)
    failing = [] if instant or not extras else failing_sources(session, config, now)
    return Digest(channel_id=channel.id, generated_at=now, subject=subject_line(groups, len(items), instant),
                  changes=items, groups=groups, upcoming=upcoming, failing=failing, instant=instant)


def group_changes(changes: list[DigestChange]) -> list[JurisdictionGroup]:
    by_jur: dict[str, dict[str, list[DigestChange]]] = defaultdict(lambda: defaultdict(list))
    for c in changes:
        primary = c.jurisdictions[0] if c.jurisdictions else "—"
        tag = next((t for t in TAG_PRIORITY if t in c.tags), "")
        by_jur[primary][tag].append(c)
    groups = []
    for code, tags in by_jur.items():
        ordered = sorted(tags.items(), key=lambda kv: TAG_PRIORITY.index(kv[0]) if kv[0] else len(TAG_PRIORITY))
        groups.append(JurisdictionGroup(code, sum(len(v) for v in tags.values()),
                                        [TagGroup(t, TAG_LABELS[t], v) for t, v in ordered]))
    groups.sort(key=lambda g: (-g.count, g.jurisdiction))
    return groups


def subject_line(groups: list[JurisdictionGroup], total: int, instant: bool = False) -> str:
    """E.g. "AI regulation: 7 changes — EU 3, KR 2, US-CO 2"."""
    noun = "change" if total == 1 else "changes"
    head = f"AI regulation: {total} new {noun}" if instant else f"AI regulation: {total} {noun}"
    counts = ", ".join(f"{g.jurisdiction} {g.count}" for g in groups[:6])
    more = ", …" if len(groups) > 6 else ""
    return f"{head} — {counts}{more}" if counts else head


def upcoming_dates(session: Session, channel: ChannelConfig, now: datetime,
                   days: int = UPCOMING_DAYS) -> list[UpcomingDate]:
    """Stored effective dates and deadlines falling in the next `days` days (month- and
    year-precision dates count when their period overlaps), within the channel's filter."""
    today = now.date()
    horizon = today + timedelta(days=days)
    # Only changes detected in the last three years can carry a date still ahead.
    query = (select(Change).where(Change.relevant.is_(True), Change.detected_at >= now - timedelta(days=3 * 365))
             .order_by(Change.detected_at.desc()))
    seen: set[tuple[str, str, str]] = set()
    out: list[UpcomingDate] = []
    for change in session.scalars(query):
        if not change.dates or not matches_filter(channel, change.jurisdictions or [], change.tags or []):
            continue
        for d in change.dates:
            start, end = _period(d.get("date", ""))
            if start is None or end < today or start > horizon:
                continue
            key = (d["date"], d.get("kind", ""), change.title)
            if key in seen:
                continue
            seen.add(key)
            out.append(UpcomingDate(d["date"], d.get("kind", ""), cut(change.title or "", MAX_TITLE)[0],
                                    change.url if is_web_url(change.url) else None,
                                    list(change.jurisdictions or []), change.id))
    out.sort(key=lambda u: (u.date, u.kind, u.title))
    return out


def failing_sources(session: Session, config: Config, now: datetime) -> list[FailingSource]:
    """Configured sources failing with no success for more than a day."""
    names = {s.id: s.name for s in config.sources}
    rows = session.scalars(select(SourceState).where(SourceState.consecutive_failures > 0))
    out = []
    for st in rows:
        if st.id not in names:
            continue
        since = st.last_success_at
        if since is None or now - since > FAILING_AFTER:
            out.append(FailingSource(st.id, names[st.id], st.consecutive_failures,
                                     cut(st.last_error or "", MAX_ERROR)[0], since))
    return sorted(out, key=lambda f: f.id)


def matches_filter(channel: ChannelConfig, jurisdictions: list[str], tags: list[str]) -> bool:
    """SPEC.md: any listed jurisdiction (a country matches its subdivisions) and,
    where tags are given, any listed tag."""
    flt = channel.filter
    if flt.jurisdictions and not jur.matches_any(jurisdictions, flt.jurisdictions):
        return False
    return not flt.tags or bool(set(tags) & set(flt.tags))


def jurisdiction_counts(changes: list[DigestChange]) -> Counter[str]:
    return Counter(c.jurisdictions[0] if c.jurisdictions else "—" for c in changes)


def _period(value: str) -> tuple[date | None, date]:
    """The first and last day a stored date (day, month or year precision) covers."""
    try:
        parts = [int(p) for p in value.split("-")]
        if len(parts) == 3:
            d = date(*parts)
            return d, d
        if len(parts) == 2:
            start = date(parts[0], parts[1], 1)
            end = (date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1) - timedelta(days=1))
            return start, end
        if len(parts) == 1:
            return date(parts[0], 1, 1), date(parts[0], 12, 31)
    except (ValueError, TypeError):
        pass
    return None, date.min


def _diff_lines(diff: str | None) -> tuple[list[str], list[str], int, int, bool]:
    """(added lines, removed lines, each at most MAX_DIFF_LINES of at most MAX_DIFF_LINE
    characters; added lines left out; removed lines left out; whether a line was cut)."""
    if not diff:
        return [], [], 0, 0, False
    added: list[str] = []
    removed: list[str] = []
    more_added = more_removed = 0
    line_cut = False
    for line in diff.splitlines():
        if line[:1] not in ("+", "-") or not line[1:].strip():
            continue
        kept = added if line[0] == "+" else removed
        if len(kept) >= MAX_DIFF_LINES:
            if line[0] == "+":
                more_added += 1
            else:
                more_removed += 1
            continue
        text, was_cut = cut(line[1:].strip(), MAX_DIFF_LINE)
        kept.append(text)
        line_cut |= was_cut
    return added, removed, more_added, more_removed, line_cut
