"""Relevance: is the item about the governance of AI (VOCABULARY.md, `relevant`)?"""

from __future__ import annotations

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
    if not hits.search("ai"):
        return False
    title_end = len(hits.text) if title_len is None else title_len
    if hits.search("notice", 0, title_end):
        # A vacancy, a tender or an event notice names rules without changing them.
        return False
    if hits.search("strong"):
        return True
    if hits.search("adoption", 0, title_end):
        return False
    if not hits.search("governance"):
        return False
    negative = hits.count("negative")
    if negative == 0:
        return True
    governance = hits.count("governance")
    # Product and market stories mention a rule or an authority now and then; they
    # stay negative unless governance vocabulary is at least as present.
    return governance >= negative
