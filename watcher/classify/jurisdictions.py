"""Jurisdictions: whose rules the item is about (VOCABULARY.md, `jurisdictions`).

A mention is found by the combined jurisdiction regex of the lexicons. Mentions in
passing (a comparison: "modelled on Colorado's law"; a company's home: "Chinese
startup"; an export destination: "chips to China") are dropped by the `passing`
cues. The survivors are then reconciled by the labelling conventions of
VOCABULARY.md: a summit or treaty among many states is INTL; a US state's rule is
the state, not the US; a national authority enforcing EU law is that country.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from watcher.classify.anchors import Hits
from watcher.classify.lexicon import Lexicon, identify
from watcher.classify.text import default_jurisdiction, script_run
from watcher.jurisdictions import is_valid, normalise

EU_MEMBERS = frozenset(
    ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]
)
_BEFORE_WINDOW = 80
_AFTER_WINDOW = 40


@dataclass(slots=True)
class _Evidence:
    strong: bool = False
    in_title: bool = False
    opens_title: bool = False  # the title starts with it: the subject of the headline


# What may stand between two names of one list ("the US, China and Europe",
# "한국, 일본 등", "日本や韓国"): a list shares the fate of its members in passing.
_LIST_GAP = re.compile(r"^\s*(?:,|、|·|・|/|and|or|및|와|과|や|と|和|及|与|與|以及)?\s*(?:the\s+)?$", re.IGNORECASE)
# A list whose members the lexicons do not all know ("Norway, Moldova, San Marino and
# the United Kingdom"): the unknown names between two known ones keep it one list.
_LIST_NAMES = re.compile(r"^(?:\s*,\s*(?:the\s+)?[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)+\s*(?:,|,?\s*and)\s*(?:the\s+)?$")
# An instrument named right after another jurisdiction is that one's ("韓國人工智慧基本法",
# "Korea's AI Basic Act"), whatever jurisdiction the instrument's name alone would suggest.
_POSSESSIVE_GAP = re.compile(r"^\s*(?:'s|’s|의|の|的)?\s*$")
# A title reporting that its subject signs or joins an international instrument.
_ACCEDES = re.compile(r"\b(?:signs?|signed|ratif(?:y|ies|ied)|joins?|joined|accedes?)\b|署名|서명|签署|簽署|批准|締結|가입|加入", re.I)


def _hint_codes(hint: str | list[str] | tuple[str, ...] | None) -> list[str]:
    raw = [hint] if isinstance(hint, str) else list(hint or [])
    return [c for c in (normalise(h) for h in raw if isinstance(h, str)) if is_valid(c)]


def _collect(hits: Hits, title_len: int, lex: Lexicon,
             spans: dict[str, tuple[int, int, bool]] | None = None) -> dict[str, _Evidence]:
    """Evidence per code from every mention that is not in passing.

    A mention is in passing when a `passing` cue sits right before or after it, or
    when it is listed beside such a mention ("allies such as Japan and Korea").
    `spans`, when given, receives per code its deciding mention: (start, end, strong)
    of the first strong one, else the first in the title, else the first.
    """
    full = hits.text
    mentions: list[tuple[int, int, str, bool, bool]] = []  # start, end, code, strong, passing
    for m in hits.finditer("jurisdictions"):
        start, end = m.span()
        cue = identify(lex, full, start, end)
        if cue is None:
            continue
        if cue.generic:
            continue  # "the National Assembly": left to the script default
        if cue.strong and mentions and mentions[-1][2] != cue.code and _POSSESSIVE_GAP.match(full[mentions[-1][1] : start]):
            continue  # "韓國人工智慧基本法": Korea's act, not Taiwan's
        # A cue before the mention ends where it starts (the cues end in "$").
        after = full[end : end + _AFTER_WINDOW]
        passing = bool(
            hits.search("passing_before", max(0, start - _BEFORE_WINDOW), start)
            or lex.passing_after.match(after)
        ) and not lex.passing_unless.match(after)
        mentions.append((start, end, cue.code, cue.strong, passing))
    # Spread "in passing" along lists of names, both ways.
    flags = [m[4] for m in mentions]
    for _ in range(2):
        for i in range(1, len(mentions)):
            gap = full[mentions[i - 1][1] : mentions[i][0]]
            if flags[i] != flags[i - 1] and (_LIST_GAP.match(gap) or _LIST_NAMES.match(gap)):
                flags[i] = flags[i - 1] = True
        if all(flags) or not any(flags):
            break
    found: dict[str, _Evidence] = {}
    for (start, end, code, strong, _), passing in zip(mentions, flags, strict=True):
        if passing:
            continue
        ev = found.setdefault(code, _Evidence())
        if spans is not None and (code not in spans or (strong and not ev.strong)
                                  or (not ev.strong and not ev.in_title and start < title_len)):
            spans[code] = (start, end, strong)
        ev.strong |= strong
        ev.in_title |= start < title_len
        ev.opens_title |= start == 0
    # The item is about the jurisdictions of its title and of the authorities that
    # act in it; a bare name further down the text (a comparison, a market, a
    # delegation) does not add one when such an anchor exists.
    if any(e.strong or e.in_title for e in found.values()):
        found = {c: e for c, e in found.items() if e.strong or e.in_title}
    return found


def detect_jurisdictions(
    hits: Hits,
    title_len: int,
    hint: str | list[str] | tuple[str, ...] | None,
    lex: Lexicon,
    why: dict[str, tuple[int, int, str]] | None = None,
) -> list[str]:
    """Sorted jurisdiction codes for a relevant item.

    `hits.text` is the normalised title + text, whose first `title_len` characters are
    the title. `hint` is the source's configured jurisdiction: it is used when the text
    names none, or to refine the bare country the text names ("the state's AI act" on
    a Colorado source is US-CO). Failing both, the script decides (Hangul: KR ...).
    `why`, when given, receives per code (start, end, rule): the deciding mention in
    `hits.text` ("jurisdictions.strong" or ".names"), the country refined by the hint
    ("jurisdictions.hint"), the first run of the deciding script
    ("jurisdictions.script"); a code from the hint alone has the empty span (0, 0).
    """
    full = hits.text
    spans: dict[str, tuple[int, int, bool]] | None = {} if why is not None else None
    found = _collect(hits, title_len, lex, spans)
    hints = _hint_codes(hint)

    intl = found.get("INTL")
    if intl and intl.in_title:
        # A declaration, summit or treaty among many states: the signatories named
        # beside it are not the jurisdictions whose rules it is (unless an authority
        # of theirs acts, which is a strong cue).
        # A state that signs or joins it in the headline is a party to its rules.
        signs = _ACCEDES.search(full, 0, title_len) is not None
        found = {c: e for c, e in found.items() if c == "INTL" or e.strong or (signs and e.opens_title)}

    for sub in [c for c in found if "-" in c]:
        parent = found.get(sub.split("-")[0])
        if parent is not None and (not parent.strong or (found[sub].in_title and not parent.in_title)):
            # "U.S. state of California", "Ontario, Canada": the state's or province's rule;
            # a headline naming the province, whose text cites a national authority
            # (the State Council's plan it implements), is the province's too.
            del found[sub.split("-")[0]]

    members = [c for c in found if c in EU_MEMBERS]
    eu = found.get("EU")
    if eu and members:
        if not eu.strong:
            del found["EU"]  # a national authority applying EU law (GDPR) or "in the EU"
        else:
            for c in members:
                if not found[c].strong and not found[c].in_title:
                    del found[c]  # member states named in an EU story

    codes = set(found)
    if why is not None and spans is not None:
        for c in codes:
            start, end, strong = spans[c]
            why[c] = (start, end, "jurisdictions.strong" if strong else "jurisdictions.names")
    if not codes:
        codes = set(hints)
        if why is not None:
            why.update((h, (0, 0, "jurisdictions.hint")) for h in hints)
        if not codes:
            default = default_jurisdiction(full)
            codes = {default} if default else set()
            if why is not None and default:
                run = script_run(full, default)
                why[default] = (*(run or (0, 0)), "jurisdictions.script")
    elif hints:
        for h in hints:
            # The source's own subdivision refines a bare mention of its country.
            country = h.split("-")[0]
            if "-" in h and country in codes and not found[country].strong:
                codes.discard(country)
                codes.add(h)
                if why is not None:
                    why[h] = (*why.pop(country)[:2], "jurisdictions.hint")
    return sorted(codes)
