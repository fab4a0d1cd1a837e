"""Tags: the nine kinds of change of VOCABULARY.md, multi-label."""

from __future__ import annotations

from watcher.classify.lexicon import TAGS, Lexicon


def detect_tags(full: str, lex: Lexicon, has_effective_date: bool) -> list[str]:
    """Sorted tags of a relevant item, from the cue lexicons plus the conventions.

    `full` is the normalised title + text; `has_effective_date` tells whether the
    date stage found an effective date (then the item states when obligations apply).
    """
    tags = {t for t in TAGS if lex.tags[t].search(full)}
    if has_effective_date:
        tags.add("enforcement-date")
    if "delay" in tags and lex.delay_vehicle.search(full):
        # Convention: a bill, proposal or signed law that postpones obligations
        # amends the law it postpones.
        tags.add("amendment")
    return sorted(tags)
