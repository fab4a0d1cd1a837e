"""Why a stored change has its labels: `watcher show` explains them at show time.

The store keeps labels, not explanations: a change is classified again, with
explanations, from what it was classified from (its title, its own text and stated
dates, its source's hint: as `watcher reclassify` does), so what `show` explains are
the rules as they are now. When the classifier's stored labels differ from that
re-run (the rules or the config changed since, and `watcher reclassify` has not
been run), a note says so; an analyst's correction is named as such, never taken
for a change of rules. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from watcher.config import SourceConfig
from watcher.reclassify import classified_item
from watcher.store.corrections import Labels, labels_of, own_texts
from watcher.store.models import Change


@dataclass(frozen=True, slots=True)
class ChangeExplanation:
    """`entries` as `watcher classify --explain` gives them; `note` when the stored
    labels are not what the current rules give (None when they are)."""

    entries: list[dict[str, Any]]
    note: str | None


def explain_change(session: Session, change: Change, source: SourceConfig | None) -> ChangeExplanation:
    """Explain `change`'s labels under the current rules; `source` is its configured
    source (None when no longer configured: its stored jurisdictions are the hint,
    as in `watcher reclassify`)."""
    from watcher.classify import classify_item
    from watcher.prepare import classify_for_source

    item = classified_item(change, own_texts(session, [change])[change.id])
    classified = labels_of(change)
    hint = tuple(classified.jurisdictions)
    verdict = classify_for_source(source, item, hint)  # the labels the pipeline would store
    hints = list(source.jurisdictions if source else hint)
    explained = classify_item(item.title, item.text, jurisdiction=hints, published=item.published, explain=True)
    entries = list(explained.explain or [])
    # What classify_for_source adds to the classifier's verdict: the source's settings.
    if verdict.relevant and not explained.relevant:
        entries = [{"field": "relevant", "value": True, "text": "", "rule": "source.relevance"}]
    if verdict.relevant and not explained.jurisdictions:
        entries += [{"field": "jurisdictions", "value": j, "text": "", "rule": "jurisdictions.hint"}
                    for j in verdict.jurisdictions]
    stored = _labels(classified.relevant, classified.jurisdictions, classified.tags, change.dates)
    now = _labels(verdict.relevant, verdict.jurisdictions, verdict.tags, verdict.dates)
    note = None
    if stored != now:
        differ = [f"{name} stored {_show(a)}, now {_show(b)}" for name, a, b in zip(_NAMES, stored, now, strict=True)
                  if a != b]
        note = ("The stored labels differ from what the current rules give this text (the rules, the "
                "configuration or the item's text changed since; `watcher reclassify` stores the new ones): "
                + "; ".join(differ) + ". The explanation is of the current rules.")
    if change.corrected:
        entries = _corrected(entries, change, classified)
        correction = "An analyst corrected this change: `watcher corrections` says who, when and why."
        note = f"{correction} {note}" if note else correction
    return ChangeExplanation(entries, note)


def _corrected(entries: list[dict[str, Any]], change: Change, classified: Labels) -> list[dict[str, Any]]:
    """`entries` for the labels `change` shows once corrected: a label the correction
    removed loses its entry, a label it added (or a relevance it overrode) gets one
    whose rule is `correction`."""
    shown = {("relevant", change.relevant), *(("jurisdictions", j) for j in change.jurisdictions or ()),
             *(("tags", t) for t in change.tags or ())}
    kept = [e for e in entries if e["field"] == "dates" or (e["field"], e["value"]) in shown]
    given = {("relevant", classified.relevant), *(("jurisdictions", j) for j in classified.jurisdictions),
             *(("tags", t) for t in classified.tags)}
    added = [{"field": field, "value": value, "text": "", "rule": "correction"}
             for field, value in sorted(shown - given, key=lambda fv: (fv[0], str(fv[1])))]
    return added + kept


_NAMES = ("relevant", "jurisdictions", "tags", "dates")


def _labels(relevant: bool, jurisdictions: Any, tags: Any, dates: Any) -> tuple[Any, ...]:
    return (bool(relevant), sorted(jurisdictions or []), sorted(tags or []),
            sorted((d["date"], d["kind"]) for d in dates or []))


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    items = [f"{v[0]} ({v[1]})" if isinstance(v, tuple) else str(v) for v in value]
    return ", ".join(items) or "-"
