"""The compliance calendar: effective dates and deadlines of stored changes as events.

The rule (also in the README, "Compliance calendar"):

1. Each change is tied to an *instrument*: the name of the law, decree or
   guideline it is about, found in its title (a name in 「」『』“” quotes, an
   English name ending in Act, Regulation, Directive, Guidelines..., a Chinese,
   Japanese or Korean name ending in 法, 条例, 办法, 기본법, 시행령...), normalised
   (case, spaces, a leading "the"/"EU"). A title naming no instrument falls back
   to its item (`source id + item key`), so later versions of the same item still
   meet.
2. The *group* is (instrument, date kind): effective dates and deadlines of one
   instrument are kept apart.
3. Changes are read oldest first. A date already in the group adds the change as
   one more link to that event (three sources reporting one date = one event with
   three links). A new date is a new event, unless the change *moves* a date: it is
   tagged `delay`, or it is a later version of an item that gave another date of
   the group. A move re-dates the event that item fed (for a `delay` from another
   item: the group's latest date before the new one; a delay never moves a date
   earlier), keeps its
   UID, increments SEQUENCE and sets LAST-MODIFIED; the old date is remembered, and
   a later report of it lands on the moved event.
4. The UID is a hash of the group and the date the event was first seen at, so it
   is stable across re-runs and survives a move.
"""

from __future__ import annotations

import calendar as _cal
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from watcher.store.models import Change, Item
from watcher.store.queries import ChangeFilter, find_changes, iso

UID_DOMAIN = "watcher"
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")

_QUOTED = re.compile(r"[「『“\"《〈]([^」』”\"》〉]{2,80})[」』”\"》〉]")
_EN_WORD = r"(?:[A-Z][\w'’.-]*|AI|of|on|the|for|and|to|in|\(EU\)|\d{4}/\d+)"
_EN_NAME = re.compile(
    rf"\b((?:{_EN_WORD}\s+){{0,8}}(?:Act|Law|Regulation|Directive|Decree|Ordinance|Order|Rules?|Guidelines?"
    r"|Code of Practice|Framework|Measures|Bill))\b")
_CJK_NAME = re.compile(r"([\u4e00-\u9fff\u3040-\u30ffA-Z]{2,24}?(?:法|条例|條例|办法|辦法|規則|规则|規定|规定|指针|指引|措施|ガイドライン))")
_KO_NAME = re.compile(r"((?:[가-힣A-Za-z]{2,12}\s)?[가-힣A-Za-z]{0,12}(?:기본법|시행령|시행규칙|법률|법))(?![가-힣])")
_LEADING = re.compile(r"^(?:the|eu|eu's|us|uk|european|union's)\s+", re.I)
_FILLER_START = re.compile(r"^(?:(?:of|on|the|for|and|to|in)\s+)+", re.I)


@dataclass(slots=True)
class Link:
    """One change reporting the event's date."""

    change_id: int
    source: str
    title: str
    url: str | None
    detected_at: datetime
    reported: str = ""  # the date this change gave (an earlier one when the event has moved since)


@dataclass(slots=True)
class Event:
    """One date of one instrument. `date` is the stored text (`2026-01-22`, `2026-01`,
    `2027`); `start` its first day; `precision` is `day`, `month` or `year`."""

    uid: str
    kind: str  # "effective" | "deadline"
    date: str
    instrument: str
    jurisdictions: list[str]
    tags: list[str]
    links: list[Link] = field(default_factory=list)
    sequence: int = 0
    previous_dates: list[str] = field(default_factory=list)
    created: datetime | None = None
    last_modified: datetime | None = None

    @property
    def start(self) -> date:
        return first_day(self.date)

    @property
    def end(self) -> date:
        return last_day(self.date)

    @property
    def precision(self) -> str:
        return {1: "year", 2: "month"}.get(len(self.date.split("-")), "day")

    @property
    def summary(self) -> str:
        label = "Effective" if self.kind == "effective" else "Deadline"
        where = f" [{', '.join(self.jurisdictions)}]" if self.jurisdictions else ""
        return f"{label}: {self.instrument}{where}"

    def precision_note(self) -> str:
        """"month precision: sometime in January 2026" (empty for a day)."""
        start = self.start
        if self.precision == "month":
            return f"month precision: sometime in {_MONTH_NAMES[start.month - 1]} {start.year}"
        if self.precision == "year":
            return f"year precision: sometime in {start.year}"
        return ""

    def as_dict(self) -> dict[str, Any]:
        return {"uid": self.uid, "kind": self.kind, "date": self.date, "precision": self.precision,
                "start": self.start.isoformat(), "instrument": self.instrument, "summary": self.summary,
                "jurisdictions": self.jurisdictions, "tags": self.tags, "sequence": self.sequence,
                "previous_dates": self.previous_dates,
                "links": [{"change_id": ln.change_id, "source": ln.source, "title": ln.title, "url": ln.url,
                           "detected_at": iso(ln.detected_at), "reported": ln.reported} for ln in self.links]}

    @property
    def current_links(self) -> list[Link]:
        """The links reporting the event's present date (the rest reported a date it moved from)."""
        return [ln for ln in self.links if ln.reported == self.date]

    @property
    def earlier_links(self) -> list[Link]:
        return [ln for ln in self.links if ln.reported != self.date]


def first_day(value: str) -> date:
    parts = [int(p) for p in value.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def last_day(value: str) -> date:
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return date(parts[0], 12, 31)
    if len(parts) == 2:
        return date(parts[0], parts[1], _cal.monthrange(parts[0], parts[1])[1])
    return date(*parts)


def instrument_name(title: str) -> str | None:
    """The name of the instrument a title is about, as written, or None."""
    text = unicodedata.normalize("NFKC", title or "")
    for pattern in (_QUOTED, _EN_NAME, _CJK_NAME, _KO_NAME):
        m = pattern.search(text)
        if m:
            name = _FILLER_START.sub("", m.group(1).strip(" .,:;"))
            if len(name) >= 2 and name.lower() not in {"act", "law", "rules", "order", "bill", "법"}:
                return name
    return None


def instrument_key(name: str) -> str:
    """`name` normalised for matching: NFKC, case-folded, a leading the/EU/US dropped, no spaces."""
    key = unicodedata.normalize("NFKC", name).casefold()
    while (stripped := _LEADING.sub("", key)) != key:
        key = stripped
    return re.sub(r"[\s·・,.'’\"-]+", "", key)


def _valid_date(value: Any) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        return None
    try:
        first_day(value)
    except ValueError:
        return None
    return value


def _uid(group: tuple[str, str], first_date: str) -> str:
    digest = hashlib.sha256(f"{group[0]}|{group[1]}|{first_date}".encode()).hexdigest()[:24]
    return f"{digest}@{UID_DOMAIN}"


def build_events(session: Session, flt: ChangeFilter) -> list[Event]:
    """The deduplicated events of the changes matching `flt` (its `limit` is ignored:
    every matching change counts), sorted by start date. See the module docstring."""
    changes = find_changes(session, ChangeFilter(jurisdictions=flt.jurisdictions, tags=flt.tags,
                                                 sources=flt.sources, since=flt.since,
                                                 include_irrelevant=flt.include_irrelevant, limit=None))
    changes = [c for c in changes if c.dates]
    item_keys: dict[int, str] = {}
    if changes:
        rows = session.execute(select(Item.id, Item.key).where(Item.id.in_({c.item_id for c in changes})))
        item_keys = {item_id: key for item_id, key in rows}
    return events_from_changes(changes, item_keys)


def events_from_changes(changes: Iterable[Change], item_keys: dict[int, str]) -> list[Event]:
    """The events of `changes` (any order); `item_keys` maps item ids to their keys."""
    groups: dict[tuple[str, str], list[Event]] = {}
    by_date: dict[tuple[str, str], dict[str, Event]] = {}  # group -> date (current or superseded) -> event
    fed: dict[tuple[tuple[str, str], str], Event] = {}  # (group, item identity) -> last event it fed
    for c in sorted(changes, key=lambda c: (c.detected_at, c.id)):
        item = f"{c.source_id}:{item_keys.get(c.item_id, c.item_id)}"
        name = instrument_name(c.title)
        ident = f"name:{instrument_key(name)}" if name else f"item:{item}"
        link = Link(c.id, c.source_id, c.title, c.url, c.detected_at)
        is_delay = "delay" in (c.tags or [])
        wanted: dict[tuple[str, str], list[str]] = {}
        for d in c.dates or []:
            value = _valid_date(d.get("date")) if isinstance(d, dict) else None
            kind = d.get("kind") if isinstance(d, dict) else None
            if value is not None and kind in ("effective", "deadline"):
                values = wanted.setdefault((ident, kind), [])
                if value not in values:
                    values.append(value)
        for group, values in wanted.items():
            events = groups.setdefault(group, [])
            dates = by_date.setdefault(group, {})
            moved: set[int] = set()
            for value in values:
                event = dates.get(value)
                if event is None:
                    # Events this change may move: not already at one of its own dates.
                    movable = [e for e in events if e.date not in values and id(e) not in moved]
                    previous = fed.get((group, item))
                    if previous is not None and previous not in movable:
                        previous = None
                    if previous is None and is_delay and movable:
                        earlier = [e for e in movable if e.start < first_day(value)]
                        previous = max(earlier, key=lambda e: e.start) if earlier else None
                    if previous is not None:  # a move: same UID, new date, SEQUENCE + 1
                        previous.previous_dates.append(previous.date)
                        previous.date = value
                        previous.sequence += 1
                        previous.last_modified = c.detected_at
                        moved.add(id(previous))
                        event = previous
                    else:
                        event = Event(uid=_uid(group, value), kind=group[1], date=value, instrument=name or c.title,
                                      jurisdictions=[], tags=[], created=c.detected_at, last_modified=c.detected_at)
                        events.append(event)
                    dates[value] = event
                if all(ln.change_id != c.id for ln in event.links):
                    event.links.append(Link(link.change_id, link.source, link.title, link.url, link.detected_at,
                                            value))
                event.jurisdictions = sorted(set(event.jurisdictions) | set(c.jurisdictions or []))
                event.tags = sorted(set(event.tags) | set(c.tags or []))
                fed[(group, item)] = event
    out = [e for events in groups.values() for e in events]
    return sorted(out, key=lambda e: (e.start, e.kind, e.instrument))


def upcoming(events: Iterable[Event], today: date) -> list[Event]:
    """Events whose period has not ended by `today` (a month-precision date stays upcoming all month)."""
    return [e for e in events if e.end >= today]


def to_ics(events: Iterable[Event], *, name: str = "AI regulation: compliance dates",
           now: datetime | None = None) -> bytes:
    """An RFC 5545 VCALENDAR of all-day events (VALUE=DATE). Content is escaped by the
    icalendar package; links are listed in DESCRIPTION, the first http(s) one in URL."""
    import icalendar

    from watcher.notify.render import safe_url

    now = now or datetime.now(UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//watcher//AI regulation compliance calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for e in events:
        ev = icalendar.Event()
        ev.add("uid", e.uid)
        ev.add("dtstamp", now)
        ev.add("dtstart", e.start)
        ev.add("dtend", date.fromordinal(e.start.toordinal() + 1))
        ev.add("summary", e.summary)
        ev.add("sequence", e.sequence)
        if e.created:
            ev.add("created", e.created)
        if e.last_modified:
            ev.add("last-modified", e.last_modified)
        ev.add("transp", "TRANSPARENT")
        ev.add("categories", [e.kind, *e.jurisdictions, *e.tags])
        urls = [u for ln in e.links if (u := safe_url(ln.url))]
        if urls:
            ev.add("url", urls[0])
        lines = [e.summary]
        if note := e.precision_note():
            lines.append(note + ".")
        if e.previous_dates:
            lines.append("Moved from " + ", ".join(e.previous_dates) + ".")
        lines.append(f"Reported by {len(e.links)} change{'s' if len(e.links) != 1 else ''}:")
        for ln in e.links:
            said = f", said {ln.reported}" if ln.reported != e.date else ""
            lines.append(f"- {ln.title} ({ln.source}, {iso(ln.detected_at)}{said}) {safe_url(ln.url)}".rstrip())
        ev.add("description", "\n".join(lines))
        cal.add_component(ev)
    return cal.to_ical()
