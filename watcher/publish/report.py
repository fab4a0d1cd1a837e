"""A static HTML report: one self-contained file that opens from disk (file://).

Changes per jurisdiction over time (a stacked bar chart drawn here as inline SVG),
the upcoming-dates timeline, a sortable and filterable table of recent changes and
the health of every source. CSS, script and SVG are inline; the page makes no
request at all (its Content-Security-Policy forbids any), so it works offline and
from any static web server. Untrusted text is escaped by Jinja2 autoescaping and
links pass the `url` filter (http(s) only).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from watcher.store.models import Change
from watcher.store.queries import ChangeFilter, find_changes, source_states

REPORT_TEMPLATE = "report.html.j2"
MONTHS = 12  # the chart's span
TOP_JURISDICTIONS = 7  # the chart's series; the rest are "other"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#7f7f7f")


@dataclass(frozen=True, slots=True)
class SourceHealth:
    id: str
    name: str
    jurisdictions: str
    state: str
    last_success: datetime | None
    failures: int
    last_error: str | None


def render_report(session: Session, flt: ChangeFilter, *, config: Any = None,
                  now: datetime | None = None) -> str:
    """The report's HTML for the changes matching `flt` (the table shows `flt.limit`
    of them; the chart and the dates count every match). `config`, when given,
    names the sources and lists those never polled."""
    from watcher.notify.render import environments
    from watcher.publish.calendar import build_events, upcoming

    now = now or datetime.now(UTC)
    everything = find_changes(session, ChangeFilter(jurisdictions=flt.jurisdictions, tags=flt.tags,
                                                    sources=flt.sources, since=flt.since,
                                                    include_irrelevant=flt.include_irrelevant, limit=None))
    recent = everything[: flt.limit] if flt.limit else everything
    events = upcoming(build_events(session, flt), now.date())
    html_env, _ = environments(None)
    return html_env.get_template(REPORT_TEMPLATE).render(
        generated_at=now,
        scope=_scope(flt),
        total=len(everything),
        chart=chart_svg(everything, now.date()),
        events=events,
        changes=[_row(c) for c in recent],
        jurisdictions=sorted({j for c in recent for j in (c.jurisdictions or [])}),
        sources=_health(session, config),
    )


def _scope(flt: ChangeFilter) -> str:
    parts = [("jurisdictions", flt.jurisdictions), ("tags", flt.tags), ("sources", flt.sources)]
    text = "; ".join(f"{name}: {', '.join(v)}" for name, v in parts if v)
    if flt.since:
        text += ("; " if text else "") + f"since {flt.since:%Y-%m-%d %H:%M} UTC"
    return text or "all relevant changes"


def _when(c: Change) -> datetime:
    """The date a change is drawn at: its publication date, else its detection."""
    return c.published or c.detected_at


def _row(c: Change) -> dict[str, Any]:
    dates = sorted(c.dates or [], key=lambda d: (d.get("kind") != "effective", str(d.get("date"))))
    return {"id": c.id, "when": _when(c), "detected": c.detected_at, "title": c.title, "url": c.url,
            "source": c.source_id, "kind": "baseline" if c.baseline else c.kind,
            "jurisdictions": list(c.jurisdictions or []), "tags": list(c.tags or []),
            "key_date": dates[0] if dates else None}


def _health(session: Session, config: Any) -> list[SourceHealth]:
    states = source_states(session)
    configured = {s.id: s for s in config.sources} if config is not None else {}
    out = []
    for sid in list(configured) + sorted(set(states) - set(configured)):
        st, src = states.get(sid), configured.get(sid)
        failures = st.consecutive_failures if st else 0
        state = "never polled" if st is None or st.last_attempt_at is None else "failing" if failures else "ok"
        out.append(SourceHealth(sid, src.name if src else sid, ", ".join(src.jurisdictions) if src else "",
                                state, st.last_success_at if st else None, failures, st.last_error if st else None))
    return out


def _month(d: date, back: int) -> tuple[int, int]:
    index = d.year * 12 + d.month - 1 - back
    return index // 12, index % 12 + 1


def chart_svg(changes: list[Change], today: date) -> dict[str, Any]:
    """The chart's geometry: the last MONTHS months, one stacked bar each, one colour per
    jurisdiction (the TOP_JURISDICTIONS most frequent, the rest as "other")."""
    months = [_month(today, back) for back in range(MONTHS - 1, -1, -1)]
    counts: dict[tuple[int, int], Counter[str]] = {m: Counter() for m in months}
    totals: Counter[str] = Counter()
    for c in changes:
        when = _when(c)
        key = (when.year, when.month)
        if key in counts:
            for code in c.jurisdictions or ["—"]:
                counts[key][code] += 1
                totals[code] += 1
    top = [code for code, _ in totals.most_common(TOP_JURISDICTIONS)]
    series = top + (["other"] if len(totals) > len(top) else [])
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(series)}
    width, height, left, bottom, top_pad = 720, 260, 34, 28, 10
    plot_h = height - bottom - top_pad
    peak = max((sum(c.values()) for c in counts.values()), default=0) or 1
    slot = (width - left) / len(months)
    bars = []
    for i, m in enumerate(months):
        y = height - bottom
        per = counts[m]
        values = [(name, per[name] if name != "other" else sum(v for k, v in per.items() if k not in top))
                  for name in series]
        for name, value in values:
            if not value:
                continue
            h = value / peak * plot_h
            y -= h
            bars.append({"x": round(left + i * slot + slot * 0.15, 1), "y": round(y, 1), "w": round(slot * 0.7, 1),
                         "h": round(h, 1), "colour": colours[name],
                         "title": f"{m[0]}-{m[1]:02d}: {name} {value}"})
    ticks = [{"y": round(height - bottom - plot_h * f, 1), "label": round(peak * f)} for f in (0, 1)]
    labels = [{"x": round(left + i * slot + slot / 2, 1), "text": f"{m[1]:02d}" if m[1] != 1 else str(m[0]),
               "strong": m[1] == 1 or i == 0} for i, m in enumerate(months)]
    labels[0]["text"] = f"{months[0][0]}-{months[0][1]:02d}"
    return {"width": width, "height": height, "bars": bars, "ticks": ticks, "labels": labels,
            "legend": [{"name": n, "colour": colours[n], "count": totals[n] if n != "other" else
                        sum(v for k, v in totals.items() if k not in top)} for n in series],
            "baseline_y": height - bottom, "left": left, "first": f"{months[0][0]}-{months[0][1]:02d}",
            "empty": not bars}
