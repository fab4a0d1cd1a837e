"""Classification stage: relevance, jurisdictions, tags and dates (VOCABULARY.md).

The pipeline calls exactly one function, `classify_item`; everything else in this
package serves it. The classifier is rule-based: multilingual cue lexicons
(``lexicons/*.yaml``, one per language, editable without touching code) read by
small stages (`relevance`, `jurisdictions`, `tags`, `dates`). The lexicons are
loaded and compiled once, on first use; a call then does no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from watcher.classify.dates import extract_dates
from watcher.classify.jurisdictions import detect_jurisdictions
from watcher.classify.lexicon import get_lexicon
from watcher.classify.relevance import is_relevant
from watcher.classify.tags import detect_tags
from watcher.classify.text import normalise

__all__ = ["MAX_TEXT_CHARS", "MAX_TITLE_CHARS", "Classification", "classify_item"]

# What the classifier reads of an item: the headline and the opening of the text
# carry what a change is; a hostile page of megabytes costs no more than this.
MAX_TITLE_CHARS = 1_000
MAX_TEXT_CHARS = 50_000


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

    `jurisdiction` is the source's configured hint (one code or a list): used when
    the text names no jurisdiction, never to add one the text contradicts.
    `published` is the item's date (ISO string, date or datetime), used to resolve
    relative dates ("from August next year", "12월 22일까지"). An item that is not
    relevant carries no jurisdictions, tags or dates. Jurisdictions and tags come
    sorted; dates sorted by (date, kind). Pure and thread-safe. Only the first
    MAX_TITLE_CHARS of the title and MAX_TEXT_CHARS of the text are read.
    """
    lex = get_lexicon()
    title_n = _normalised_head(title or "", MAX_TITLE_CHARS)
    text_n = _normalised_head(text or "", MAX_TEXT_CHARS)
    # The title ends with a sentence break so that its cues and dates do not bleed
    # into the first sentence of the text.
    full = f"{title_n}\n{text_n}" if text_n else title_n
    hits = lex.scanner.scan(full)  # one pass finds where each cue family can match
    if not is_relevant(hits, len(title_n)):
        return Classification(relevant=False)
    dates = extract_dates(hits, lex, published, body_start=len(title_n) + 1)
    has_effective = any(d["kind"] == "effective" for d in dates)
    return Classification(
        relevant=True,
        jurisdictions=detect_jurisdictions(hits, len(title_n), jurisdiction, lex),
        tags=detect_tags(hits, lex, has_effective),
        dates=dates,
    )


def _normalised_head(s: str, limit: int) -> str:
    """The first `limit` characters of `s`, normalised (cut before, so the cost is
    bounded, and after, since NFKC can lengthen a text)."""
    return normalise(s[:limit])[:limit]
