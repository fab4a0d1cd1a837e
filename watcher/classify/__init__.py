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

from watcher.classify.anchors import Hits
from watcher.classify.dates import extract_dates
from watcher.classify.jurisdictions import detect_jurisdictions
from watcher.classify.lexicon import get_lexicon
from watcher.classify.relevance import is_relevant, relevance
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
    # Only with classify_item(explain=True): [{"field", "value", "text", "rule"}], one
    # entry for relevance and one per jurisdiction, tag and date (watcher.classify.explain).
    # Not part of `as_dict`, which is the classification alone.
    explain: list[dict[str, Any]] | None = None

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
    *,
    explain: bool = False,
) -> Classification:
    """Classify one item.

    `jurisdiction` is the source's configured hint (one code or a list): used when
    the text names no jurisdiction, never to add one the text contradicts.
    `published` is the item's date (ISO string, date or datetime), used to resolve
    relative dates ("from August next year", "12월 22일까지"). An item that is not
    relevant carries no jurisdictions, tags or dates. Jurisdictions and tags come
    sorted; dates sorted by (date, kind). Pure and thread-safe. Only the first
    MAX_TITLE_CHARS of the title and MAX_TEXT_CHARS of the text are read.

    `explain=True` fills `Classification.explain`, for each label the phrase of the
    title or text that gave it and the rule (watcher.classify.explain.RULES); the
    labels are the same as without it, and without it nothing of this is computed.
    """
    lex = get_lexicon()
    title_n = _normalised_head(title or "", MAX_TITLE_CHARS)
    text_n = _normalised_head(text or "", MAX_TEXT_CHARS)
    # The title ends with a sentence break so that its cues and dates do not bleed
    # into the first sentence of the text.
    full = f"{title_n}\n{text_n}" if text_n else title_n
    hits = lex.scanner.scan(full)  # one pass finds where each cue family can match
    if explain:
        return _explained(title or "", text or "", title_n, text_n, hits, jurisdiction, published)
    if not is_relevant(hits, len(title_n)):
        return Classification(relevant=False)
    dates = extract_dates(hits, lex, published, body_start=len(title_n) + 1)
    has_effective = any(d["kind"] == "effective" for d in dates)
    return Classification(
        relevant=True,
        jurisdictions=detect_jurisdictions(hits, len(title_n), jurisdiction, lex),
        tags=detect_tags(hits, lex, has_effective, len(title_n)),
        dates=dates,
    )


def _explained(title: str, text: str, title_n: str, text_n: str, hits: Hits,
               jurisdiction: str | list[str] | None, published: str | date | datetime | None) -> Classification:
    """`classify_item`'s stages, each asked why (kept apart so the plain path pays nothing)."""
    from watcher.classify import explain as ex

    lex = get_lexicon()
    phrases = ex.Phrases(title[:MAX_TITLE_CHARS], text[:MAX_TEXT_CHARS], title_n, text_n)
    relevant, rule, cues = relevance(hits, len(title_n))
    why_relevant = ex.relevance_entry(phrases, hits, relevant, rule, cues)
    if not relevant:
        return Classification(relevant=False, explain=[why_relevant])
    why_dates: dict[tuple[str, str], ex.Span] = {}
    dates = extract_dates(hits, lex, published, body_start=len(title_n) + 1, why=why_dates)
    effective = [d for d in dates if d["kind"] == "effective"]
    why_jur: dict[str, ex.Span] = {}
    jurisdictions = detect_jurisdictions(hits, len(title_n), jurisdiction, lex, why=why_jur)
    why_tags: dict[str, ex.Span] = {}
    tags = detect_tags(hits, lex, bool(effective), len(title_n), why=why_tags)
    if "enforcement-date" in tags and "enforcement-date" not in why_tags:
        # The convention: the item states when obligations apply (its first effective date).
        why_tags["enforcement-date"] = why_dates[(effective[0]["date"], "effective")]
    return Classification(
        relevant=True,
        jurisdictions=jurisdictions,
        tags=tags,
        dates=dates,
        explain=[
            why_relevant,
            *ex.entries(phrases, "jurisdictions", jurisdictions, why_jur),
            *ex.entries(phrases, "tags", tags, why_tags),
            *ex.entries(phrases, "dates", [dict(d) for d in dates], why_dates, lambda d: (d["date"], d["kind"])),
        ],
    )


def _normalised_head(s: str, limit: int) -> str:
    """The first `limit` characters of `s`, normalised (cut before, so the cost is
    bounded, and after, since NFKC can lengthen a text)."""
    return normalise(s[:limit])[:limit]
