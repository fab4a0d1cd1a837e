"""Relevance: is the item about the governance of AI (VOCABULARY.md, `relevant`)?"""

from __future__ import annotations

import re

from watcher.classify.anchors import Hits


def is_relevant(hits: Hits, title_len: int | None = None) -> bool:
    """True when `hits.text` (normalised title + text) is about governing AI.

    Needs both an AI cue (AI, algorithms, automated decisions, generative AI ...) and
    a governance cue (a law, rule, guidance, regulator or enforcement act). Market and
    product cues (a launch, revenue, an investment) veto the item unless a strong cue
    ("AI Act", "AI regulation", 인공지능 기본법 ...) shows that the rules are the subject:
    "Nvidia unveils a chip" and "Google invests in an AI hub" are news, not governance.
    A title that reports an AI tool put to use ("ministry trials an AI chatbot",
    "政务平台接入DeepSeek") is adoption news, not governance, unless a strong cue
    says otherwise; `title_len` is the length of the title at the start of `full`
    (None: the whole text is searched). A title of a notice genre (a job
    vacancy, a tender, an event to register for) is never governance news.
    """
    return relevance(hits, title_len)[0]


def relevance(hits: Hits, title_len: int | None = None) -> tuple[bool, str, tuple[re.Match[str], ...]]:
    """`is_relevant`'s verdict with its reason: (relevant, rule, cue matches).

    The rule names the cue family that decided (watcher.classify.explain.RULES); the
    matches are its cues in the text: the AI and the governance cue for
    "relevance.ai+governance", the vetoing or strong cue otherwise, none when the
    family named found nothing ("relevance.ai": no AI cue; "relevance.governance": no
    governance cue) or for "relevance.negative" (the caller finds the market cue).
    """
    ai = hits.search("ai")
    if ai is None:
        return False, "relevance.ai", ()
    title_end = len(hits.text) if title_len is None else title_len
    notice = hits.search("notice", 0, title_end)
    if notice is not None:
        # A vacancy, a tender or an event notice names rules without changing them.
        return False, "relevance.notice", (notice,)
    strong = hits.search("strong")
    if strong is not None:
        return True, "relevance.strong", (strong,)
    adoption = hits.search("adoption", 0, title_end)
    if adoption is not None:
        return False, "relevance.adoption", (adoption,)
    governance = hits.search("governance")
    if governance is None:
        return False, "relevance.governance", ()
    if _only_soft(hits) and hits.search("public_body") is None and hits.search("jurisdictions") is None:
        # "Why boards need an AI governance framework", "OpenAI updates its framework":
        # a firm's own AI governance, no act of a public body (VOCABULARY.md).
        return False, "relevance.private", ()
    negative = hits.count("negative")
    # Product and market stories mention a rule or an authority now and then; they
    # stay negative unless governance vocabulary is at least as present.
    if negative == 0 or hits.count("governance") >= negative:
        return True, "relevance.ai+governance", (ai, governance)
    return False, "relevance.negative", ()


def _only_soft(hits: Hits) -> bool:
    """Whether every governance cue lies inside a soft one ("framework", "guidelines")."""
    soft = [m.span() for m in hits.finditer("soft_governance")]
    if not soft:
        return False
    return all(any(a <= g.start() and g.end() <= b for a, b in soft) for g in hits.finditer("governance"))
