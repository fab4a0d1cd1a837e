"""Why a stored change has its labels: `watcher show` explains them at show time.

The store keeps labels, not explanations: a change is classified again, with
explanations, from what it was classified from (its title, its item's text, its
source's hint), so what `show` explains are the rules as they are now. When the
stored labels differ from that re-run (the rules or the config changed since, and
`watcher reclassify` has not been run), a note says so. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from watcher.config import SourceConfig
from watcher.sources import ParsedItem
from watcher.store.models import Change, Item


@dataclass(frozen=True, slots=True)
class ChangeExplanation:
    """`entries` as `watcher classify --explain` gives them; `note` when the stored
    labels are not what the current rules give (None when they are)."""

    entries: list[dict[str, Any]]
    note: str | None


def change_item(session: Session, change: Change) -> ParsedItem:
    """The item as the classifier is given it again for `change` (as `watcher
    reclassify` rebuilds it: the change's title, its item's stored text)."""
    item = session.get(Item, change.item_id)
    return ParsedItem(key="", title=change.title, url=change.url, published=change.published,
                      text=(item.text if item is not None else "") or "")


def explain_change(session: Session, change: Change, source: SourceConfig | None) -> ChangeExplanation:
    """Explain `change`'s labels under the current rules; `source` is its configured
    source (None when no longer configured: its stored jurisdictions are the hint,
    as in `watcher reclassify`)."""
    from watcher.classify import classify_item
    from watcher.prepare import classify_for_source

    item = change_item(session, change)
    hint = tuple(change.jurisdictions or ())
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
    stored = _labels(change.relevant, change.jurisdictions, change.tags, change.dates)
    now = _labels(verdict.relevant, verdict.jurisdictions, verdict.tags, verdict.dates)
    note = None
    if stored != now:
        differ = [f"{name} stored {_show(a)}, now {_show(b)}" for name, a, b in zip(_NAMES, stored, now, strict=True)
                  if a != b]
        note = ("The stored labels differ from what the current rules give this text (the rules, the "
                "configuration or the item's text changed since; `watcher reclassify` stores the new ones): "
                + "; ".join(differ) + ". The explanation is of the current rules.")
    return ChangeExplanation(entries, note)


_NAMES = ("relevant", "jurisdictions", "tags", "dates")


def _labels(relevant: bool, jurisdictions: Any, tags: Any, dates: Any) -> tuple[Any, ...]:
    return (bool(relevant), sorted(jurisdictions or []), sorted(tags or []),
            sorted((d["date"], d["kind"]) for d in dates or []))


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    items = [f"{v[0]} ({v[1]})" if isinstance(v, tuple) else str(v) for v in value]
    return ", ".join(items) or "-"
