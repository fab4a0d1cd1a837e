"""Classification stage: relevance, jurisdictions, tags and dates (VOCABULARY.md).

The pipeline calls exactly one function, `classify_item`; everything else in this
package serves it. Until the rule-based classifier lands, the item gets its
source's jurisdictions, is treated as relevant, and carries no tags or dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Classification:
    """What a change IS, in the names of VOCABULARY.md."""

    relevant: bool
    jurisdictions: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    # [{"date": "2026-01-22" | "2026-01" | "2027", "kind": "effective" | "deadline"}]
    dates: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "relevant": self.relevant,
            "jurisdictions": list(self.jurisdictions),
            "tags": list(self.tags),
            "dates": [dict(d) for d in self.dates],
        }


def classify_item(
    title: str,
    text: str = "",
    jurisdiction: str | list[str] | None = None,
    published: str | date | datetime | None = None,
) -> Classification:
    """Classify one item.

    `jurisdiction` is the source's configured hint (one code or a list);
    `published` is the item's date, used to resolve relative dates
    ("from August next year"). Pure and thread-safe.
    """
    hint = [jurisdiction] if isinstance(jurisdiction, str) else list(jurisdiction or [])
    return Classification(relevant=True, jurisdictions=hint, tags=[], dates=[])
