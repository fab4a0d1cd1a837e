"""Loading and compiling the cue lexicons (``lexicons/*.yaml``).

Each YAML file holds the cues of one language (see the header of ``en.yaml`` for the
schema). All files are merged: a text is matched against the cues of every language at
once, since the scripts rarely collide and an item may mix languages (a Korean headline
quoting "AI Act"). The files are read and every pattern compiled exactly once, on the
first call of `get_lexicon()` (the compiled code comes from the cache directory when an
earlier process compiled the same files: `watcher.classify.patterns`); afterwards
classification does no I/O and no compilation.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from watcher.classify.anchors import (
    MAX_CUE_CHARS,
    Scanner,
    closing_paren,
    family_prefixes,
    top_level,
)
from watcher.classify.patterns import PatternCache
from watcher.vocabulary import TAGS  # the nine tags, defined once for the whole package

LEXICON_DIR = Path(__file__).with_name("lexicons")

_FLAGS = re.IGNORECASE
_NO_CACHE = PatternCache(None)  # compiles with re.compile, keeps nothing


class LexiconError(ValueError):
    """A lexicon file is malformed: names the file and the key at fault."""


@dataclass(frozen=True, slots=True)
class JurisdictionCue:
    """What a match of the combined jurisdiction regex means."""

    code: str
    strong: bool  # a regulator, legislature or official (vs. a mere name or adjective)
    # A word every country has ("국회" the National Assembly, "国会" the Diet): no
    # evidence by itself; the script default names the text's own country when no
    # other one is named.
    generic: bool = False


@dataclass(frozen=True, slots=True)
class CuePair:
    """Date-kind cues, split by how they are matched.

    `near` cues count by their distance to the date; `before` cues (written ending in
    ``$``) must end exactly where the date starts (e.g. "from" in "from 1 May 2026").
    """

    near: re.Pattern[str] | None
    before: re.Pattern[str] | None


class JurisdictionCues(dict[str, tuple[tuple[re.Pattern[str], JurisdictionCue], ...]]):
    """The jurisdiction cues that can match at a character, in priority order, by the
    character (lower-cased): ``cues["k"]`` holds every cue starting with k or K and
    every cue whose first character is not known; a character no cue is known to
    start with gets all of them.

    A character's cues are compiled on its first lookup: the mentions in a cycle's
    texts start with a few dozen characters, and compiling all ~600 cues cost ~0.1 s
    in every process that classifies. (Every cue was checked at load, in the union of
    them all.) Lookups may fill the dict from several threads: a cue compiled twice
    is harmless.
    """

    def __init__(self, entries: list[tuple[str, JurisdictionCue]]) -> None:
        super().__init__()
        self._entries = entries
        self._compiled: list[re.Pattern[str] | None] = [None] * len(entries)
        self._firsts: list[set[str] | None] = []  # lower-cased first characters, None: unknown
        for pattern, _ in entries:
            sets = [_first_chars(p) for p in _split_top(pattern)]
            known = [x for x in sets if x is not None]
            self._firsts.append(None if len(known) < len(sets) else {c.lower() for x in known for c in x})
        self._keys = {c for f in self._firsts if f for c in f}

    def __missing__(self, char: str) -> tuple[tuple[re.Pattern[str], JurisdictionCue], ...]:
        known = char in self._keys
        cues = []
        for i, first in enumerate(self._firsts):
            if known and first is not None and char not in first:
                continue
            source, cue = self._entries[i]
            pattern = self._compiled[i]
            if pattern is None:
                pattern = self._compiled[i] = _union([source], f"jurisdictions.{cue.code}")
            cues.append((pattern, cue))
        self[char] = found = tuple(cues)
        return found


def identify(lex: Lexicon, text: str, start: int, end: int) -> JurisdictionCue | None:
    """Which jurisdiction cue produced the mention `text[start:end]` (first in priority)."""
    fallback = None
    for pattern, cue in lex.jurisdiction_cues[text[start : start + 1].lower()]:
        m = pattern.match(text, start, start + MAX_CUE_CHARS)
        if m is not None:
            if m.end() == end:
                return cue
            fallback = fallback or cue
    return fallback


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Every cue of every language, compiled."""

    ai: re.Pattern[str]
    governance: re.Pattern[str]
    negative: re.Pattern[str]
    strong: re.Pattern[str]
    # A public body or a firm putting an AI tool to use: vetoes a title (see relevance).
    adoption: re.Pattern[str]
    # A notice genre (job vacancy, tender, event): vetoes a title, strong cues too.
    notice: re.Pattern[str]
    # Governance words a firm's own AI governance uses too (guidelines, framework,
    # principles): alone, they need a public body (`public_body`) to make an item relevant.
    soft_governance: re.Pattern[str]
    public_body: re.Pattern[str]
    jurisdictions: re.Pattern[str]  # finds any mention; `jurisdiction_cues` tell whose
    jurisdiction_cues: JurisdictionCues
    passing_before: re.Pattern[str]
    passing_after: re.Pattern[str]
    # An institution right after a mention ("the Brazilian Senate"): it acts, so the
    # mention is not in passing whatever precedes it.
    passing_unless: re.Pattern[str]
    tags: dict[str, re.Pattern[str]]
    # Per tag: contexts that void a cue match (text just before it / just after it).
    tag_block_before: dict[str, re.Pattern[str] | None]
    tag_block_after: dict[str, re.Pattern[str] | None]
    delay_vehicle: re.Pattern[str]
    # One chamber or a committee voting ("Senate passes", "衆院で可決", "初審通過") and
    # the final step that makes a law ("signed", "成立", "三讀通過", "공포").
    chamber_vote: re.Pattern[str]
    # A veto ("vetoes", 거부권, 拒否権, 否決): the bill is neither law nor a new draft.
    veto: re.Pattern[str]
    final_passage: re.Pattern[str]
    # Words that make a text a draft ("draft", 초안, 草案): guidance cues in their
    # sentence describe the draft, not guidance published.
    draft_words: re.Pattern[str]
    # Guidance addressed to a government's own agencies or staff: binding on them, a
    # decree by convention (VOCABULARY.md: an OMB memorandum is `new-decree`).
    for_agencies: re.Pattern[str]
    # A later step of a proposal's passage in a headline (a provisional agreement, a
    # Council position): the proposal it names is no newly released draft.
    negotiation_step: re.Pattern[str]
    months: dict[str, int]
    date_effective: CuePair
    date_deadline: CuePair
    date_event: CuePair
    date_old: re.Pattern[str]
    date_transition: re.Pattern[str]
    took_effect: re.Pattern[str]
    # Right after a date, words that make it no date at all: the report of an
    # announcement ("…라고 12일 밝혔다", "と3日に発表した"), a document it names ("the
    # August 30, 2023, notice"), an old schedule ("적용하기로 했던"), a past start (以来).
    date_void_after: re.Pattern[str]
    # Finds in one pass where the families above that scan a whole text can match:
    # "ai", "governance", "negative", "strong", "adoption", "notice", "soft_governance",
    # "public_body", "jurisdictions", "tags.<tag>", "chamber_vote", "final_passage",
    # "veto", "delay_vehicle", "draft_words", "for_agencies", "negotiation_step",
    # "passing_before", and "months", the month names (see anchors.py). The stages
    # ask it, not the patterns themselves.
    scanner: Scanner


_NEVER = r"(?!x)x"  # matches nothing: stands in for an empty cue list


def _split_top(p: str) -> list[str]:
    """`p` cut at each '|' outside any group or character class."""
    pieces, start = [], 0
    for i, c, depth in top_level(p):
        if c == "|" and depth == 0:
            pieces.append(p[start:i])
            start = i + 1
    pieces.append(p[start:])
    return pieces


_SPECIAL = set("\\()[]{}.^$*+?|")


def _first_chars(piece: str) -> set[str] | None:
    """The characters a match of `piece` can start with, or None when not known.

    Understands a leading literal, a leading group of alternatives (``(?:法案|草案)``)
    and leading look-behinds; anything else is "not known" and costs a full try.
    """
    if piece.startswith("\\b"):
        return _first_chars(piece[2:])
    if piece.startswith("\\d") and piece[2:3] not in ("?", "*", "{"):
        return set("0123456789")
    if piece.startswith(("(?<!", "(?<=")):
        end = closing_paren(piece, 0)
        return _first_chars(piece[end + 1 :]) if end > 0 else None
    if piece.startswith(("(?:", "(?-i:")):
        end = closing_paren(piece, 0)
        if end < 0 or piece[end + 1 : end + 2] in ("?", "*", "{"):
            return None
        inner = piece[piece.index(":") + 1 : end]
        chars: set[str] = set()
        for alt in _split_top(inner):
            got = _first_chars(alt)
            if not got:
                return None
            chars |= got
        return chars
    first = piece[:1]
    if not first or first in _SPECIAL or piece[1:2] in ("?", "*", "+", "{"):
        return None
    return {first}


def _heads(piece: str, cs: bool = False, prefix: str = "") -> list[tuple[str, bool, str, str]] | None:
    """`piece` as alternatives that each start with one plain character.

    Returns ``[(char, case_sensitive, assertions, rest)]``: a match of the piece is a
    match of ``assertions`` (zero-width: ``\\b``, look-behinds) at the start, `char`,
    then `rest`. Leading groups of alternatives are distributed (``(?:法案|草案)X`` is
    ``法案X|草案X``) and ``(?-i:...)`` makes its characters case-sensitive. None when
    the piece does not start that way (a class, a quantified group, ...).
    """
    if piece.startswith("\\b"):
        return _heads(piece[2:], cs, prefix + "\\b")
    if piece.startswith(("(?<!", "(?<=")):
        end = closing_paren(piece, 0)
        if end < 0:
            return None
        return _heads(piece[end + 1 :], cs, prefix + piece[: end + 1])
    if piece.startswith(("(?:", "(?-i:")):
        end = closing_paren(piece, 0)
        optional = piece[end + 1 : end + 2] == "?" and piece[end + 2 : end + 3] not in ("?", "+")
        if end < 0 or (piece[end + 1 : end + 2] in ("?", "*", "+", "{") and not optional):
            return None
        inner, tail = piece[piece.index(":") + 1 : end], piece[end + 2 if optional else end + 1 :]
        if optional:
            # "(?:AI )?Standard": the group's alternatives, or straight on to the tail.
            without = _heads(tail, cs, prefix)
            with_group = _heads(piece[: end + 1] + tail, cs, prefix)
            return None if without is None or with_group is None else with_group + without
        sensitive = piece.startswith("(?-i:")
        out: list[tuple[str, bool, str, str]] = []
        for alt in _split_top(inner):
            got = _heads(alt, cs or sensitive, prefix)
            if not got:
                return None
            for c, c_cs, pre, rest in got:
                # The rest of the group keeps the group's case mode; the tail its own.
                rest = f"(?-i:{rest})" if sensitive and not cs else f"(?:{rest})"
                out.append((c, c_cs, pre, rest + tail))
        return out
    first = piece[:1]
    if first == "[":
        # A class of plain characters: one alternative per character.
        end = piece.find("]", 1)
        body = piece[1:end]
        if end < 2 or piece[end + 1 : end + 2] in ("?", "*", "+", "{") or any(ch in body for ch in "\\^-[]"):
            return None
        return [(ch, cs, prefix, piece[end + 1 :]) for ch in body]
    if piece[1:2] in ("?", "*", "+", "{"):
        return None
    if first == "\\" and len(piece) > 1 and not piece[1].isalnum():
        if piece[2:3] in ("?", "*", "+", "{"):
            return None
        return [(piece[1], cs, prefix, piece[2:])]
    if not first or first in _SPECIAL:
        return None
    return [(first, cs, prefix, piece[1:])]


def _buckets(pieces: list[str]) -> tuple[str, str, list[str]]:
    """Pieces grouped by first character: (regex of the groups, class of all first
    characters, pieces whose first character is not known).

    A group is ``x(?:rest1|rest2 ...)`` for each case of x: CPython's engine rejects
    a branch that starts with a plain literal after one comparison, without entering
    it, so at each position only the group of the character there is really tried.
    Cues are case-blind inside (``(?i:...)``) unless written under ``(?-i:...)``;
    assertions before the first character are checked behind it (``(?<=\\b.)``).
    Within a group the cues keep the order of the lexicon.
    """
    groups: dict[str, list[str]] = {}
    left: list[str] = []
    for piece in pieces:
        heads = _heads(piece)
        if heads is None:
            left.append(piece)
            continue
        for c, sensitive, pre, rest in heads:
            if pre:
                rest = f"(?<={pre}.)" + rest if sensitive else f"(?i:(?<={pre}.))" + rest
            body = rest if sensitive else f"(?i:{rest})"
            for v in [c] if sensitive else _cases(c):
                alts = groups.setdefault(v, [])
                if body not in alts:
                    alts.append(body)
    # The engine compares the character with every group in turn: a Latin letter
    # should not walk past hundreds of Han or Hangul groups, so each script's groups
    # sit behind a class of their first characters.
    by_script: dict[str, list[str]] = {}
    for c in groups:
        by_script.setdefault(_script(c), []).append(c)
    out = []
    for chars in by_script.values():
        alts = "|".join(re.escape(c) + "(?:" + "|".join(f"(?:{r})" for r in groups[c]) + ")" for c in chars)
        out.append(alts if len(by_script) == 1 else f"(?=[{_class(chars)}])(?:{alts})")
    return "|".join(out), _class(groups), left


def _class(chars: Iterable[str]) -> str:
    """Body of a character class of exactly `chars`."""
    return "".join(sorted({re.escape(c) for c in chars}))


def _script(c: str) -> str:
    o = ord(c)
    if 0xAC00 <= o <= 0xD7A3 or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "hangul"
    if 0x3040 <= o <= 0x30FF:
        return "kana"
    if 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF:
        return "han"
    return "other"


def _cases(c: str) -> list[str]:
    """`c` in each of its cases (those that are one character)."""
    return list(dict.fromkeys(v for v in (c, c.lower(), c.upper()) if len(v) == 1))


# A cue referring to a group by number or name: in a union its neighbours' groups count too.
_REFERS = re.compile(r"\\[1-9]|\(\?\(|\(\?P=")


def _cue_pieces(p: str, where: str) -> list[str]:
    """`p` cut at each '|' outside any group or class, once `p` is known to compile.

    The union compiled from all cues checks them together, in one parse, except
    where a neighbour could mend a cue that is wrong alone: a group or class it
    leaves open, a reference to another cue's group. Only such a cue is compiled
    alone here, so an error names the cue at fault (LexiconError).
    """
    if not _self_contained(p):
        _compile_alone(p, where)
    return _split_top(p)


def _self_contained(p: str) -> bool:
    """Whether `p` closes every group and class it opens and refers to no group."""
    last, lowest = (-1, 0), 0
    # The '#' (not special) is reported unless `p` ends inside a class or an escape.
    for i, _, depth in top_level(p + "#"):
        last, lowest = (i, depth), min(lowest, depth)
    return last == (len(p), 0) and lowest == 0 and not _REFERS.search(p)


def _compile_alone(p: str, where: str) -> None:
    try:
        re.compile(p, _FLAGS)
    except re.error as e:  # name the bad cue so an analyst can find it
        raise LexiconError(f"{where}: bad pattern {p!r}: {e}") from e


def _union(patterns: list[str], where: str, cache: PatternCache = _NO_CACHE) -> re.Pattern[str]:
    """One regex matching any of `patterns` (raises LexiconError naming a bad one);
    `cache` keeps its source and compiled code for the next process."""
    source, flags = cache.remember("union", patterns, lambda cues: _union_source(cues, where, cache), _is_source)
    return cache.compile(source, flags)


def _is_source(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], int)


def _union_source(patterns: Sequence[str], where: str, cache: PatternCache) -> list[Any]:
    """The source and flags of `_union`'s regex, checked to compile.

    Why the layout: with hundreds of alternatives, CPython's engine tries every one
    at every position, which made a scan cost milliseconds. So cues are grouped by
    their first character behind a one-character look-ahead (a position where no
    cue can start is passed after one test), and cues starting with a word boundary
    share one ``\\b`` (a position inside a word is passed after one test). Order
    among cues is not preserved; callers that care which cue matched re-check
    (see `identify`).
    """
    bounded: list[str] = []
    free: list[str] = []
    for p in patterns:
        for piece in _cue_pieces(p, where):
            (bounded if piece.startswith("\\b") else free).append(piece)
    parts = []
    b_groups, b_class, b_left = _buckets([p[2:] for p in bounded])
    if b_groups:
        parts.append(f"\\b(?=[{b_class}])(?:{b_groups})")
    parts += [f"\\b(?i:{p})" for p in b_left]
    f_groups, f_class, f_left = _buckets(free)
    if f_groups:
        parts.append(f"(?=[{f_class}])(?:{f_groups})")
    parts += [f"(?i:{p})" for p in f_left]
    # Case-blind inside each cue (the groups above carry the flag), not globally.
    source = "|".join(parts) or _NEVER
    try:
        cache.compile(source, 0)
    except re.error:
        pass
    else:
        return [source, 0]
    for p in patterns:  # compiling each alone is slow, so only done when the union fails
        _compile_alone(p, where)
    source = "|".join(f"(?:{p})" for p in patterns) or _NEVER
    try:  # e.g. a named group copied into the groups of both cases
        cache.compile(source, _FLAGS)
    except re.error as e:
        raise LexiconError(f"{where}: the cues compile alone but not together: {e}") from e
    return [source, int(_FLAGS)]


def _optional(patterns: list[str], tag: str, cache: PatternCache) -> re.Pattern[str] | None:
    return _union(patterns, f"tag_blockers.{tag}", cache) if patterns else None


def _cue_pair(patterns: list[str], where: str, cache: PatternCache) -> CuePair:
    before = [p for p in patterns if p.endswith("$")]
    near = [p for p in patterns if not p.endswith("$")]
    return CuePair(
        near=_union(near, where, cache) if near else None,
        before=_union(before, where, cache) if before else None,
    )


def _as_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"{where}: expected a list of regex strings")
    return list(value)


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present
    """SafeLoader that refuses duplicate keys (YAML would silently keep the last)."""


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def _merge(texts: dict[str, str]) -> dict[str, Any]:
    """Concatenate the lists of all files (their texts by file name), key by key."""
    merged: dict[str, Any] = {
        "relevance": {},
        "jurisdictions": {},
        "passing": {},
        "tags": {},
        "tag_blockers": {},
        "delay_vehicle": [],
        "chamber_vote": [],
        "veto": [],
        "final_passage": [],
        "draft_words": [],
        "for_agencies": [],
        "negotiation_step": [],
        "dates": {},
        "months": {},
    }
    for name, text in texts.items():
        try:
            data = yaml.load(text, Loader=_StrictLoader) or {}  # noqa: S506
        except yaml.YAMLError as e:
            raise LexiconError(f"{name}: invalid YAML: {e}") from e
        if not isinstance(data, dict):
            raise LexiconError(f"{name}: expected a mapping at top level")
        for section in ("relevance", "passing", "tags", "tag_blockers"):
            for key, value in (data.get(section) or {}).items():
                where = f"{name}: {section}.{key}"
                if section in ("tags", "tag_blockers") and key not in TAGS:
                    raise LexiconError(f"{where}: unknown tag (VOCABULARY.md names: {', '.join(TAGS)})")
                merged[section].setdefault(key, []).extend(_as_list(value, where))
        for key, value in (data.get("tag_blockers") or {}).items():
            for pattern in _as_list(value, f"{name}: tag_blockers.{key}"):
                if not (pattern.startswith("^") or pattern.endswith("$")):
                    raise LexiconError(
                        f"{name}: tag_blockers.{key}: {pattern!r} must start with ^ (text after "
                        "the cue) or end with $ (text before it)"
                    )
        for key in ("delay_vehicle", "chamber_vote", "veto", "final_passage", "draft_words", "for_agencies",
                    "negotiation_step"):
            merged[key].extend(_as_list(data.get(key), f"{name}: {key}"))
        for code, cues in (data.get("jurisdictions") or {}).items():
            where = f"{name}: jurisdictions.{code}"
            if not isinstance(code, str):
                raise LexiconError(f"{name}: jurisdictions.{code}: quote the code (YAML reads NO as false)")
            if not isinstance(cues, dict):
                raise LexiconError(f"{where}: expected {{strong: [...], names: [...], generic: [...]}}")
            slot = merged["jurisdictions"].setdefault(code, {"strong": [], "names": [], "generic": []})
            for kind in ("strong", "names", "generic"):
                slot[kind].extend(_as_list(cues.get(kind), f"{where}.{kind}"))
        dates = data.get("dates") or {}
        for key, value in dates.items():
            if key == "months":
                merged["months"].update({str(k).lower(): int(v) for k, v in value.items()})
            else:
                merged["dates"].setdefault(key, []).extend(_as_list(value, f"{name}: dates.{key}"))
    return merged


def _compile_jurisdictions(table: dict[str, dict[str, list[str]]],
                           cache: PatternCache) -> tuple[re.Pattern[str], JurisdictionCues]:
    from watcher.jurisdictions import is_valid

    entries: list[tuple[str, str, int]] = []  # pattern, code, kind (0 strong, 1 name, 2 generic)
    for code, cues in table.items():
        if not is_valid(code):
            raise LexiconError(f"jurisdictions.{code}: not a code of VOCABULARY.md")
        entries += [(p, code, 0) for p in cues["strong"]]
        entries += [(p, code, 1) for p in cues["names"]]
        entries += [(p, code, 2) for p in cues.get("generic", [])]
    # Where several cues match at one place, the first in this order names it: strong
    # cues first, then longer patterns, so "Council of Europe" (INTL) beats "Europe" (EU).
    entries.sort(key=lambda e: (e[2], -len(e[0])))
    union = _union([p for p, _, _ in entries], "jurisdictions", cache)  # checks every cue
    return union, JurisdictionCues([(p, JurisdictionCue(code, kind == 0, kind == 2)) for p, code, kind in entries])


def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    """Read and compile every ``*.yaml`` of `directory` (raises LexiconError).

    The compiled patterns of earlier loads of the same files are kept in the cache
    directory with what the loader derives from the cues (`watcher.classify.patterns`):
    a load then costs ~0.07 s instead of ~0.5."""
    texts = {path.name: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.yaml"))}
    if not texts:
        raise LexiconError(f"{directory}: no lexicon files")
    m = _merge(texts)
    cache = _cache_for(texts)
    lexicon = _build(m, cache)
    cache.save()
    return lexicon


def _cache_for(texts: dict[str, str]) -> PatternCache:
    """The cache of what is built from the lexicon files `texts`. It is made from them
    and from the code that derives it (this module and `anchors`): an edited loader
    never meets what the old one derived, whatever the version says."""
    from watcher.classify import anchors

    try:
        code = [Path(source or "").read_text(encoding="utf-8") for source in (__file__, anchors.__file__)]
    except OSError:  # no source to read (a frozen build): no cache
        return _NO_CACHE
    return PatternCache.for_inputs(*code, *(f"{name}\0{text}" for name, text in texts.items()))


def _build(m: dict[str, Any], cache: PatternCache) -> Lexicon:
    """The Lexicon of the merged files `m`, what can be taken from `cache` taken from it."""
    rel, dates = m["relevance"], m["dates"]
    jur_re, jur_cues = _compile_jurisdictions(m["jurisdictions"], cache)
    families: dict[str, tuple[re.Pattern[str], list[str]]] = {}

    def family(name: str, patterns: list[str], where: str) -> re.Pattern[str]:
        compiled = _union(patterns, where, cache)
        families[name] = (compiled, patterns)
        return compiled

    jur_sources = [p for cues in m["jurisdictions"].values() for kind in cues.values() for p in kind]
    families["jurisdictions"] = (jur_re, jur_sources)
    return Lexicon(
        ai=family("ai", rel.get("ai", []), "relevance.ai"),
        governance=family("governance", rel.get("governance", []), "relevance.governance"),
        negative=family("negative", rel.get("negative", []), "relevance.negative"),
        strong=family("strong", rel.get("strong", []), "relevance.strong"),
        adoption=family("adoption", rel.get("adoption", []), "relevance.adoption"),
        notice=family("notice", rel.get("notice", []), "relevance.notice"),
        soft_governance=family("soft_governance", rel.get("soft_governance", []), "relevance.soft_governance"),
        public_body=family("public_body", rel.get("public_body", []), "relevance.public_body"),
        jurisdictions=jur_re,
        jurisdiction_cues=jur_cues,
        passing_before=family("passing_before", m["passing"].get("before", []), "passing.before"),
        passing_after=_union(m["passing"].get("after", []), "passing.after", cache),
        passing_unless=_union(m["passing"].get("unless", []), "passing.unless", cache),
        tags={t: family(f"tags.{t}", m["tags"].get(t, []), f"tags.{t}") for t in TAGS},
        tag_block_before={t: _optional([p for p in m["tag_blockers"].get(t, []) if p.endswith("$")], t, cache)
                          for t in TAGS},
        tag_block_after={t: _optional([p for p in m["tag_blockers"].get(t, []) if p.startswith("^")], t, cache)
                         for t in TAGS},
        delay_vehicle=family("delay_vehicle", m["delay_vehicle"], "delay_vehicle"),
        chamber_vote=family("chamber_vote", m["chamber_vote"], "chamber_vote"),
        veto=family("veto", m["veto"], "veto"),
        final_passage=family("final_passage", m["final_passage"], "final_passage"),
        draft_words=family("draft_words", m["draft_words"], "draft_words"),
        for_agencies=family("for_agencies", m["for_agencies"], "for_agencies"),
        negotiation_step=family("negotiation_step", m["negotiation_step"], "negotiation_step"),
        months=m["months"],
        date_effective=_cue_pair(dates.get("effective", []), "dates.effective", cache),
        date_deadline=_cue_pair(dates.get("deadline", []), "dates.deadline", cache),
        date_event=_cue_pair(dates.get("event", []), "dates.event", cache),
        date_old=_union(dates.get("old", []), "dates.old", cache),
        date_transition=_union(dates.get("transition", []), "dates.transition", cache),
        took_effect=_union(dates.get("took_effect", []), "dates.took_effect", cache),
        date_void_after=_union(dates.get("void_after", []), "dates.void_after", cache),
        scanner=Scanner(families | {"months": _month_names(m["months"], cache)},
                        lambda sources: cache.remember("prefixes", sources, family_prefixes, _is_prefixes)),
    )


def month_names(months: Iterable[str]) -> list[str]:
    """The month names as regex alternatives, longest first ("sept" before "sep")."""
    return [re.escape(m) for m in sorted(months, key=len, reverse=True)]


def _is_prefixes(value: object) -> bool:
    return value is None or (isinstance(value, list) and bool(value) and all(isinstance(p, str) and p for p in value))


def _month_names(months: dict[str, int], cache: PatternCache) -> tuple[re.Pattern[str], list[str]]:
    """The family of month names, for the date stage to find where they start."""
    names = month_names(months)
    return cache.compile("|".join(names) or _NEVER, _FLAGS), names


_lock = threading.Lock()
_cached: Lexicon | None = None


def get_lexicon() -> Lexicon:
    """The lexicon of the package, loaded on first use and shared (it is immutable)."""
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                _cached = load_lexicon()
    return _cached
