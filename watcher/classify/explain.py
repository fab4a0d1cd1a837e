"""Explanations: for each label of a classification, the phrase and the rule that gave it.

`classify_item(..., explain=True)` runs the same stages as without, asking each to
report where its deciding cue matched (a span of the normalised text and a rule
name); this module then cuts each phrase from the *original* title or text, so an
analyst reads the words as published (case, full-width digits, spacing). Nothing
here runs unless an explanation is asked for.

An entry is ``{"field", "value", "text", "rule"}`` (SPEC.md, "Explanations and
corrections"); `rule` is one of RULES: the lexicon family whose cue matched (the key
in ``lexicons/*.yaml``), or one of the conventions of VOCABULARY.md named after the
family it rests on.
"""

from __future__ import annotations

import re
from typing import Any

from watcher.classify.anchors import Hits
from watcher.classify.text import normalise_offsets
from watcher.vocabulary import TAGS

# Every rule an explanation can name, with what it means (README, "Classification").
RULES: dict[str, str] = {
    "relevance.strong": "a strong cue (\"AI Act\", 인공지능 기본법): the rules of AI are the subject",
    "relevance.ai+governance": "an AI cue and a governance cue (text: both, joined by ' … ')",
    "relevance.ai": "not relevant: no AI cue (text empty)",
    "relevance.governance": "not relevant: an AI cue but no governance cue (text empty)",
    "relevance.notice": "not relevant: the title is a notice (vacancy, tender, event)",
    "relevance.adoption": "not relevant: the title reports an AI tool put to use",
    "relevance.negative": "not relevant: market or product cues outnumber governance cues",
    "relevance.private": "not relevant: only words a firm's own AI governance uses too (framework, guidelines), and no public body",
    "source.relevance": "relevant by the source's `relevance: all` (watcher show only; text empty)",
    "correction": "set by an analyst's `watcher correct` (watcher show only; text empty)",
    "jurisdictions.strong": "a regulator, legislature, official or instrument of the jurisdiction",
    "jurisdictions.names": "the jurisdiction's name or adjective",
    "jurisdictions.hint": "the source's configured jurisdiction (text empty, or the country it refines)",
    "jurisdictions.script": "no jurisdiction named: the script of the text (Hangul: KR ...)",
    **{f"tags.{t}": f"a cue of the tag {t}" for t in TAGS},
    "delay_vehicle": "amendment: a bill or law that postpones obligations amends the law",
    "for_agencies": "new-decree: guidelines a government issues to its own agencies or staff bind them",
    "dates.effective": "an effective-date cue next to the date (enforcement-date: that date)",
    "dates.deadline": "a deadline cue next to the date",
    "dates.took_effect": "a day reported as the day rules took effect",
}

Span = tuple[int, int, str]  # start, end in the normalised title + text; rule


class Phrases:
    """Cuts spans of the classifier's text (normalised title, "\\n", normalised text)
    from the original title and text: the heads of them the classifier read (its
    normalised texts are those heads normalised, perhaps cut shorter)."""

    def __init__(self, title: str, text: str, title_n: str, text_n: str) -> None:
        self._parts = [(0, title, title_n), (len(title_n) + 1, text, text_n)]
        self._full = f"{title_n}\n{text_n}" if text_n else title_n
        self._offsets: dict[int, tuple[list[int], list[int]] | None] = {}

    def cut(self, start: int, end: int) -> str:
        """The original of normalised `[start:end]` (the normalised text itself when
        the original cannot be mapped). A span from the title into the text (a cue
        matched across the line break between them) is cut at the title's end."""
        title_end = len(self._parts[0][2])
        if start < title_end < end:
            end = title_end
        if end <= start:
            return ""
        for i, (at, original, normalised) in enumerate(self._parts):
            if at <= start and end <= at + len(normalised):
                if i not in self._offsets:
                    self._offsets[i] = normalise_offsets(original)
                offsets = self._offsets[i]
                if offsets is None or len(offsets[0]) < end - at:
                    break
                starts, ends = offsets
                return original[starts[start - at] : ends[end - at - 1]]
        return self._full[start:end]


def relevance_entry(phrases: Phrases, hits: Hits, relevant: bool, rule: str,
                    cues: tuple[re.Match[str], ...]) -> dict[str, Any]:
    """The entry of the `relevant` field, from `watcher.classify.relevance.relevance`."""
    if rule == "relevance.negative":
        m = hits.search("negative")
        cues = (m,) if m is not None else ()
    texts: list[str] = []
    for m in sorted(cues, key=lambda m: m.start()):
        t = phrases.cut(m.start(), m.end())
        if t not in texts:
            texts.append(t)
    return {"field": "relevant", "value": relevant, "text": " … ".join(texts), "rule": rule}


def entries(phrases: Phrases, field: str, labels: list[Any], why: dict[Any, Span],
            key: Any = None) -> list[dict[str, Any]]:
    """One entry per label of `field`, in the labels' order; `key(label)` is the
    label's key in `why` (the label itself by default)."""
    out = []
    for label in labels:
        start, end, rule = why[key(label) if key else label]
        out.append({"field": field, "value": label, "text": phrases.cut(start, end), "rule": rule})
    return out
