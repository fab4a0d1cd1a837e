"""One pass over a text finds where each cue family can match (an Aho-Corasick scan).

Each family of cues (relevance.ai, tags.delay, the jurisdictions ...) is one regex;
scanning a text with it costs the regex engine ~20 µs per 600 characters whatever the
cues, and an item is scanned by some twenty families. Instead, every cue is reduced
to the literal prefixes its matches can start with ("\\b(?:delay(?:s|ed)?|postpon..."
starts with "del" or "pos"), all families' prefixes go into one Aho-Corasick automaton
(ahocorasick_rs, over Rust's aho-corasick crate), and one scan of the lower-cased text
gives each family the few positions where it can match. (pyahocorasick, used before,
spent ~150 ns on each CJK character: it searches a trie node's children one by one,
and thousands of Han and Hangul characters start some prefix.) The family's own
regex then runs anchored at those positions only (`Pattern.match(text, pos)`, which
sees the text before `pos` for ``\\b`` and look-behinds), in order, skipping overlaps:
the same matches as `Pattern.finditer`, at a fraction of the cost. One try reads at
most MAX_CUE_CHARS of the text, so a hostile text costs time linear in its length.

Exactness rests on the prefixes being complete: `literal_prefixes` gives up (None)
on anything it does not understand, and a family with such a cue is scanned by its
regex as before. Characters the regex engine folds to a prefix's letter while
`str.lower` does not (the long s, the dotless i, İ) are lowered as the engine folds
them (`_fold_table`). tests/test_classify_anchors.py checks every family on every
labelled corpus.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Longer prefixes leave fewer places where a regex must be tried ("the " starts
# "the Netherlands" and half the sentences of an English text; "the neth" does not):
# 4 -> 12 characters took classification of 7,952 bench items from ~171 to ~156 us
# each, for 4,300 prefixes instead of 2,300 (same load time, +0.3 MB).
PREFIX_LEN = 12
_MAX_PREFIXES = 512  # per cue: beyond, the prefixes are cut shorter
# The most text one try of a cue reads from where it starts. The lexicons' bounded
# cues match at most 116 characters (tests/test_security_text_budget.py checks they
# stay well within); a few end in an unbounded run ("(?:\\S+ ){0,2}", "[A-Z][\\w.&-]*"),
# which, tried at every start of a long run of such characters, cost quadratic time.
MAX_CUE_CHARS = 300

# One element of a regex: the literal strings it can match, each with `cut` telling
# whether what follows it is unknown (the prefix ends there).
_Strings = set[tuple[str, bool]]


class _Unknown(Exception):
    """The pattern has a construct whose first characters are not worked out."""


def literal_prefixes(pattern: str, length: int = PREFIX_LEN) -> set[str] | None:
    """Lower-cased strings of at most `length` characters such that every match of
    `pattern` (compiled case-insensitively) starts with one of them; None when the
    pattern can start with characters not worked out (a class such as ``\\w``, a
    leading quantified group) or could match the empty string."""
    try:
        strings, end = _alternatives(pattern, 0, length)
    except (_Unknown, IndexError):
        return None
    if end != len(pattern):
        return None
    prefixes = {s.lower() for s, _ in strings}
    if not prefixes or "" in prefixes or any(len(p.lower()) != len(p) for p in prefixes):
        return None
    return prefixes


def _alternatives(p: str, i: int, length: int) -> tuple[_Strings, int]:
    """The strings of `a|b|...` starting at p[i], up to the ')' or end closing it."""
    out: _Strings = set()
    while True:
        strings, i = _sequence(p, i, length)
        out |= strings
        if i < len(p) and p[i] == "|":
            i += 1
            continue
        return out, i


def _sequence(p: str, i: int, length: int) -> tuple[_Strings, int]:
    current: _Strings = {("", False)}
    while i < len(p) and p[i] not in "|)":
        try:
            atom, after = _atom(p, i, length)
        except _Unknown:
            if any(not cut and not s for s, cut in current):
                raise  # the alternative can start with it
            # "AI[^。]{0,12}規制": what follows "AI" is not worked out; the prefix ends there.
            return {(s, True) for s, _ in current}, _skip_sequence(p, i)
        times, i = _quantifier(p, after)
        if atom is None:  # zero-width: \b, a look-around, ^, $
            continue
        joined = _join(current, atom, length)
        if times in ("many", "1+"):
            # After a repeated atom, more of it or what follows: the prefix ends.
            joined = {(s, True) for s, _ in joined}
        current = current | joined if times in ("0-1", "many") else joined
        if all(cut for _, cut in current):
            # Nothing more can be added: skip the rest of this alternative.
            return current, _skip_sequence(p, i)
        if len(current) > _MAX_PREFIXES:
            current = {(s, True) for s, _ in current}
            return current, _skip_sequence(p, i)
    return current, i


def _join(current: _Strings, atom: _Strings, length: int) -> _Strings:
    out: _Strings = set()
    for s, cut in current:
        if cut:
            out.add((s, True))
            continue
        for a, a_cut in atom:
            joined = s + a
            if len(joined) >= length:
                out.add((joined[:length], True))
            else:
                out.add((joined, a_cut))
    return out


def _quantifier(p: str, i: int) -> tuple[str, int]:
    """How often the atom before p[i] repeats: "1" (once), "0-1", "many" (0 or more),
    "1+" (at least once); and the index after the quantifier."""
    if i >= len(p) or p[i] not in "?*+{":
        return "1", i
    c = p[i]
    if c == "{":
        m = re.match(r"\{(\d*)(,?)(\d*)\}", p[i:])
        if m is None:
            return "1", i  # a literal "{"
        low, comma, high = int(m.group(1) or 0), m.group(2), m.group(3)
        most = low if not comma else (int(high) if high else None)
        times = "0-1" if (low, most) == (0, 1) else "1" if (low, most) == (1, 1) else "many" if low == 0 else "1+"
        i += m.end()
    else:
        times = {"?": "0-1", "*": "many", "+": "1+"}[c]
        i += 1
    if i < len(p) and p[i] in "?+":  # lazy or possessive: the same strings
        i += 1
    return times, i


def _atom(p: str, i: int, length: int) -> tuple[_Strings | None, int]:
    """(strings of the atom at p[i], or None for a zero-width one; index after it)."""
    c = p[i]
    if c == "(":
        if p.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            return None, _close_group(p, i) + 1
        if p.startswith("(?P<", i):
            start = p.index(">", i) + 1
        elif p.startswith("(?:", i):
            start = i + 3
        elif p.startswith("(?", i):
            m = re.match(r"\(\?[aiLmsux]*(?:-[imsx]+)?:", p[i:])
            if m is None:
                raise _Unknown(p[i:])  # backreference, conditional, a global flag group ...
            start = i + m.end()
        else:
            start = i + 1
        strings, end = _alternatives(p, start, length)
        if end >= len(p) or p[end] != ")":
            raise _Unknown(p[i:])
        return strings, end + 1
    if c == "[":
        return _class(p, i)
    if c == "\\":
        e = p[i + 1]
        if e in "bBAZ":
            return None, i + 2
        if e == "d":
            return {(d, False) for d in "0123456789"}, i + 2
        if e.isalnum():
            raise _Unknown(p[i:])  # \d, \w, \s, \x41, a backreference ...
        return {(e, False)}, i + 2
    if c in "^$":
        return None, i + 1
    if c == ".":
        raise _Unknown(p[i:])
    return {(c, False)}, i + 1


def _class(p: str, i: int) -> tuple[_Strings, int]:
    """A class of plain characters and small ranges, as one-character strings."""
    j = i + 1
    if p[j] == "^":
        raise _Unknown(p[i:])
    chars: set[str] = set()
    first = True
    while p[j] != "]" or first:
        first = False
        c = p[j]
        if c == "\\":
            e = p[j + 1]
            if e.isalnum():
                raise _Unknown(p[i:])
            c, j = e, j + 2
        else:
            j += 1
        if p[j] == "-" and p[j + 1] != "]":
            hi = p[j + 1]
            if hi == "\\" or ord(hi) - ord(c) > 64:
                raise _Unknown(p[i:])
            chars |= {chr(o) for o in range(ord(c), ord(hi) + 1)}
            j += 2
        else:
            chars.add(c)
    return {(c, False) for c in chars}, j + 1


def top_level(p: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth after it) for each character of the regex `p`
    from `start` that is neither escaped nor inside a character class."""
    depth, i, in_class = 0, start, False
    while i < len(p):
        c = p[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if p[i + 1 : i + 2] == "]":  # "[]...]": a leading ']' is a literal
                i += 1
        else:
            depth += (c == "(") - (c == ")")
            yield i, c, depth
        i += 1


def closing_paren(p: str, start: int) -> int:
    """Index of the ')' closing the group opened at p[start], or -1."""
    return next((i for i, c, depth in top_level(p, start) if c == ")" and depth == 0), -1)


def _close_group(p: str, i: int) -> int:
    end = closing_paren(p, i)
    if end < 0:
        raise _Unknown(p[i:])
    return end


def _skip_sequence(p: str, i: int) -> int:
    """Index of the '|' or ')' ending the alternative that p[i] is in (or the end)."""
    while i < len(p) and p[i] not in "|)":
        if p[i] == "\\":
            i += 2
        elif p[i] == "(":
            i = _close_group(p, i) + 1
        elif p[i] == "[":
            i = _class_end(p, i)
        else:
            i += 1
    return i


def _class_end(p: str, i: int) -> int:
    j = i + 1
    if p[j : j + 1] == "^":
        j += 1
    if p[j : j + 1] == "]":
        j += 1
    while p[j] != "]":
        j += 2 if p[j] == "\\" else 1
    return j + 1


# -- the scan ----------------------------------------------------------------------------


# The one character whose lower case is two (i and a combining dot above).
_LONG_LOWER = "\u0130"


def _fold_table(prefix_chars: set[str]) -> tuple[dict[int, str], re.Pattern[str]]:
    """How to lower a text so the automaton sees what the regex engine matches.

    Some characters match a prefix character case-insensitively in the engine
    while `str.lower` does not lower them to it (the long s and s, the dotless i
    and i), and İ lowers to two characters, which would shift every position after
    it. Each is mapped to the one prefix character it matches (İ to a character no
    prefix holds when it matches none): a text holding such characters is scanned
    like any other. The rest, characters matching several prefix characters, are
    returned as a pattern: a text holding one is scanned by the regexes."""
    matches: dict[str, set[str]] = {_LONG_LOWER: set()}  # character -> prefix characters it matches
    for c in prefix_chars:
        for probe in _foldable_to(c) | {_LONG_LOWER}:
            if re.fullmatch(re.escape(c), probe, re.IGNORECASE):
                matches.setdefault(probe, set()).add(c)
    table: dict[int, str] = {}
    several: list[str] = []
    for x, cs in sorted(matches.items()):
        if cs <= {x.lower()} and len(x.lower()) == 1:
            continue  # str.lower already gives what it matches
        if len(cs) > 1:
            several.append(x)
        else:
            table[ord(x)] = next(iter(cs), "\x00")
    risky = "[" + "".join(re.escape(c) for c in several) + "]" if several else r"(?!x)x"
    return table, re.compile(risky)


def _foldable_to(c: str) -> set[str]:
    # CPython's engine folds with its own tables plus a few extra equivalences; both
    # are covered by asking it, over the characters whose case maps touch `c`.
    from re import _casefix  # type: ignore[attr-defined]

    candidates = {x for x in (c, c.upper(), c.lower(), c.title()) if len(x) == 1}
    for x in list(candidates):
        candidates |= {chr(o) for o in _casefix._EXTRA_CASES.get(ord(x), ())}
    candidates |= {y for x in list(candidates) for y in (x.upper(), x.lower()) if len(y) == 1}
    if candidates == {c}:  # a character without case (Han, Hangul, digits): nothing to ask
        return candidates
    pattern = re.compile(re.escape(c), re.IGNORECASE)
    return {x for x in candidates if len(x) == 1 and pattern.fullmatch(x)}


@dataclass(frozen=True, slots=True)
class Family:
    """One family of cues: its compiled regex, and whether its prefixes are known."""

    name: str
    pattern: re.Pattern[str]
    anchored: bool


def family_prefixes(sources: Sequence[str]) -> list[str] | None:
    """The prefixes every match of a family's cues `sources` starts with (none extending
    another), or None when some cue's are not worked out: the family is then scanned
    by its regex."""
    prefixes: set[str] = set()
    for source in sources:
        got = literal_prefixes(source)
        if got is None:
            return None
        prefixes |= got
    return _shortest(prefixes) if prefixes else None


class Scanner:
    """Built once from the lexicon's families; `scan` a text to get its `Hits`.

    `prefixes_of` is `family_prefixes`, or a function giving what it gives (the lexicon
    loader's keeps its results in the cache directory)."""

    def __init__(self, families: Mapping[str, tuple[re.Pattern[str], list[str]]],
                 prefixes_of: Callable[[Sequence[str]], list[str] | None] = family_prefixes):
        import ahocorasick_rs

        self.families: dict[str, Family] = {}
        self.index: dict[str, int] = {}  # family name -> its slot in a scan's lists
        by_prefix: dict[str, set[int]] = {}
        for name, (pattern, sources) in families.items():
            prefixes = prefixes_of(sources)
            self.families[name] = Family(name, pattern, prefixes is not None)
            self.index[name] = len(self.index)
            for prefix in prefixes or ():
                by_prefix.setdefault(prefix, set()).add(self.index[name])
        self._automaton: Any = None
        # The families each prefix belongs to, by the prefix's index in the automaton.
        self._slots = [tuple(sorted(slots)) for slots in by_prefix.values()]
        if by_prefix:
            # The standard match kind reports every occurrence of every prefix,
            # overlapping ones included, as (prefix index, start, end) in characters.
            self._automaton = ahocorasick_rs.AhoCorasick(list(by_prefix))
        self._fold, self._risky = _fold_table({c for prefix in by_prefix for c in prefix})
        self._folded = re.compile("[" + "".join(re.escape(chr(o)) for o in sorted(self._fold)) + "]")

    def scan(self, text: str) -> Hits:
        """Where each anchored family can match in `text` (one pass)."""
        lowered = (text.translate(self._fold) if self._folded.search(text) else text).lower()
        if self._automaton is None or len(lowered) != len(text) or self._risky.search(text):
            return Hits(self, text, None)
        starts: list[list[int]] = [[] for _ in self.index]
        slots_of = self._slots
        for prefix, start, _end in self._automaton.find_matches_as_indexes(lowered, overlapping=True):
            for slot in slots_of[prefix]:
                starts[slot].append(start)
        return Hits(self, text, starts)


def _shortest(prefixes: set[str]) -> list[str]:
    """`prefixes` without those that extend another ("delay" makes "delayed" redundant:
    both give the same start, and the automaton would report it twice)."""
    kept: list[str] = []
    for prefix in sorted(prefixes):  # a prefix sorts right before its extensions
        if not kept or not prefix.startswith(kept[-1]):
            kept.append(prefix)
    return kept


class Hits:
    """The families' matches in one text, with the methods of `re.Pattern` that the
    classifier uses (`finditer`, `search`, `count`), each by family name."""

    __slots__ = ("_families", "_index", "_sorted", "_starts", "text")

    def __init__(self, scanner: Scanner, text: str, starts: list[list[int]] | None):
        self._families = scanner.families
        self._index = scanner.index
        self.text = text
        self._starts = starts
        self._sorted: set[int] = set()

    def positions(self, name: str) -> list[int] | None:
        """Sorted places where a match of family `name` can start (a superset of
        where one does); None when the family must be scanned with its regex."""
        if self._starts is None or not self._families[name].anchored:
            return None
        slot = self._index[name]
        positions = self._starts[slot]
        if slot not in self._sorted and len(positions) > 1:
            # The automaton reports by end position: prefixes of different lengths
            # can come out of order, and one start can come twice.
            positions = self._starts[slot] = sorted(set(positions))
            self._sorted.add(slot)
        return positions

    def finditer(self, name: str) -> Iterator[re.Match[str]]:
        """As `pattern.finditer(text)`: non-overlapping matches, left to right."""
        pattern = self._families[name].pattern
        positions = self.positions(name)
        if positions is None:
            yield from pattern.finditer(self.text)
            return
        text, end = self.text, 0
        for pos in positions:
            if pos < end:
                continue
            m = pattern.match(text, pos, pos + MAX_CUE_CHARS)
            if m is not None:
                yield m
                end = max(m.end(), pos + 1)

    def search(self, name: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        """As `pattern.search(text, pos, endpos)`."""
        pattern = self._families[name].pattern
        text = self.text
        stop = len(text) if endpos is None else endpos
        positions = self.positions(name)
        if positions is None:
            return pattern.search(text, pos, stop)
        for i in range(bisect_left(positions, pos), len(positions)):
            start = positions[i]
            if start > stop:
                break
            m = pattern.match(text, start, min(stop, start + MAX_CUE_CHARS))
            if m is not None:
                return m
        return None

    def count(self, name: str) -> int:
        """As `len(pattern.findall(text))`."""
        return sum(1 for _ in self.finditer(name))
