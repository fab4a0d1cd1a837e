"""Tags: the nine kinds of change of VOCABULARY.md, multi-label."""

from __future__ import annotations

from watcher.classify.lexicon import TAGS, Lexicon

_BEFORE = 40
_AFTER = 30


def _has_cue(full: str, lex: Lexicon, tag: str) -> bool:
    """True when a cue of `tag` matches outside every blocking context.

    Blockers are what makes a cue say the opposite: "will not impose fines" is no
    enforcement action, "to inform future guidelines" is no guidance published.
    """
    before, after = lex.tag_block_before[tag], lex.tag_block_after[tag]
    for m in lex.tags[tag].finditer(full):
        if before is not None and before.search(full[max(0, m.start() - _BEFORE) : m.start()]):
            continue
        if after is not None and after.match(full[m.end() : m.end() + _AFTER]):
            continue
        return True
    return False


def detect_tags(full: str, lex: Lexicon, has_effective_date: bool) -> list[str]:
    """Sorted tags of a relevant item, from the cue lexicons plus the conventions.

    `full` is the normalised title + text; `has_effective_date` tells whether the
    date stage found an effective date (then the item states when obligations apply).
    """
    tags = {t for t in TAGS if _has_cue(full, lex, t)}
    if "consultation" in tags:
        # A text out for comment is not adopted yet, whatever verbs describe it.
        tags -= {"new-law", "new-decree"}
    if tags & {"new-law", "new-decree"}:
        # Once passed or issued, the bill or draft named in the story is no draft.
        tags.discard("draft")
    if has_effective_date:
        tags.add("enforcement-date")
    if "delay" in tags and lex.delay_vehicle.search(full):
        # Convention: a bill, proposal or signed law that postpones obligations
        # amends the law it postpones.
        tags.add("amendment")
    return sorted(tags)
