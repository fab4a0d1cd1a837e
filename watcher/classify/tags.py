"""Tags: the nine kinds of change of VOCABULARY.md, multi-label."""

from __future__ import annotations

import re

from watcher.classify.anchors import Hits
from watcher.classify.lexicon import TAGS, Lexicon

_BEFORE = 40
_AFTER = 60
# A draft text named inside a new-law cue ("approves draft law"), not a bill or an
# amending bill (법 개정안 … 통과, 法案に署名 are laws passed).
_DRAFT_TEXT = re.compile(r"\bdraft\b|草案|초안|素案|原案|意见稿|意見稿", re.I)
# Inside a new-decree cue, words that make its instrument not issued: a bill, a draft,
# something still to come, a consultation's response ("Senate approves a bill for its
# regulation", "released draft rules", "Perpres … akan segera ditandatangani").
_NOT_ISSUED = re.compile(r"\bbill\b|\blegislation\b|\bdraft\b|\bproposed\b|\bakan\b|\bsegera\b|\bbakal\b|\bwill\b|\bresponse\b|\bconsultation\b|\bwhite paper\b|法案|법안|議案|草案|초안|意见稿|意見稿", re.I)
_SENTENCE_END = re.compile(r"[。！？!?;；\n]|\.(?=\s)")
# How far (characters) either side of a cue its sentence is read: a text without
# sentence breaks costs each cue no more than this.
_SENTENCE_REACH = 400


def _sentence(full: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around `full[start:end]`, cut at _SENTENCE_REACH either side."""
    s = max(0, start - _SENTENCE_REACH)
    for m in _SENTENCE_END.finditer(full, s, start):
        s = m.end()
    stop = _SENTENCE_END.search(full, end, end + _SENTENCE_REACH)
    return s, (stop.start() if stop else min(len(full), end + _SENTENCE_REACH))


def _deciding_cue(hits: Hits, lex: Lexicon, tag: str) -> re.Match[str] | None:
    """The first match of a cue of `tag` outside every blocking context, or None.

    Blockers are what makes a cue say the opposite: "will not impose fines" is no
    enforcement action, "to inform future guidelines" is no guidance published.
    """
    full = hits.text
    before, after = lex.tag_block_before[tag], lex.tag_block_after[tag]
    for m in hits.finditer(f"tags.{tag}"):
        if before is not None and before.search(full[max(0, m.start() - _BEFORE) : m.start()]):
            continue
        if after is not None and after.match(full[m.end() : m.end() + _AFTER]):
            continue
        if tag == "new-decree" and _NOT_ISSUED.search(m.group()):
            continue
        if tag == "new-law" and _DRAFT_TEXT.search(m.group()):
            # "cabinet approves draft law": the draft goes to parliament, no law yet.
            continue
        if tag == "guidance":
            # Guidance words in a sentence about a draft describe the draft ("the draft
            # standard sets out principles"): a draft guidance is `draft`, not guidance.
            s, e = _sentence(full, m.start(), m.end())
            if hits.search("draft_words", s, e):
                continue
        return m
    return None


# A headline "opens with" a cue that starts within this many characters of it.
_HEADLINE_OPENING = 12


def detect_tags(hits: Hits, lex: Lexicon, has_effective_date: bool, title_len: int,
                why: dict[str, tuple[int, int, str]] | None = None) -> list[str]:
    """Sorted tags of a relevant item, from the cue lexicons plus the conventions.

    `hits.text` is the normalised title + text, whose first `title_len` characters are
    the title; `has_effective_date` tells whether the
    date stage found an effective date (then the item states when obligations apply).
    `why`, when given, receives for each tag a cue gave: (start, end, rule) of that
    cue in `hits.text` (the conventions' tags: see watcher.classify.explain).
    """
    found = {t: m for t in TAGS if (m := _deciding_cue(hits, lex, t)) is not None}
    tags = set(found)
    if why is not None:
        why.update((t, (m.start(), m.end(), f"tags.{t}")) for t, m in found.items())
    if "consultation" in tags and "draft" in tags:
        # A draft out for comment is not adopted yet, whatever verbs describe it (an
        # interim final rule that also takes comments is adopted); a draft guideline
        # out for comment is `draft` + `consultation`, not yet guidance (VOCABULARY.md).
        tags -= {"new-law", "new-decree", "guidance"}
    if hits.search("chamber_vote") and not hits.search("final_passage"):
        # One chamber or a committee voted: the bill is neither law nor newly released.
        tags -= {"new-law", "draft"}
    if tags & {"new-law", "draft"} and hits.search("veto"):
        # A vetoed bill: what it "would" do describes a dead text, not a new draft.
        tags -= {"new-law", "draft"}
    if "draft" in tags and hits.search("negotiation_step", 0, title_len):
        # "Lawmakers reach provisional agreement to delay …", "Council adopts position":
        # the proposal the story names was released before; this step releases none.
        tags.discard("draft")
    adopted = tags & {"new-law", "new-decree"}
    if adopted and "draft" in tags:
        if found["draft"].start() < _HEADLINE_OPENING and all(found[t].start() >= title_len for t in adopted):
            # The headline opens with a draft ("Dự thảo Danh mục …", "Proposed rules
            # on …", "(ร่าง) …"); an instrument the body says was issued is background.
            tags -= adopted
        else:
            # Once passed or issued, the bill or draft named in the story is no draft.
            tags.discard("draft")
    if "guidance" in tags and (agencies := hits.search("for_agencies")):
        # Guidelines a government issues to its own agencies or staff bind them.
        tags.discard("guidance")
        tags.add("new-decree")
        if why is not None:
            why.pop("guidance", None)
            why.setdefault("new-decree", (agencies.start(), agencies.end(), "for_agencies"))
    if has_effective_date:
        tags.add("enforcement-date")
    if "delay" in tags and (vehicle := hits.search("delay_vehicle")):
        # Convention: a bill, proposal or signed law that postpones obligations
        # amends the law it postpones.
        tags.add("amendment")
        if why is not None and "amendment" not in why:
            why["amendment"] = (vehicle.start(), vehicle.end(), "delay_vehicle")
    return sorted(tags)
