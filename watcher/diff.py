"""Diff stage: compare what a source yields now with what the store holds.

Pure functions, no I/O. An item not seen before is `new`; a known item whose
title or text changed is `updated` (with a unified diff); an item that merely
dropped off the document is nothing at all (feeds and listings rotate).

The cost is bounded whatever the documents: difflib, whose time grows with the
product of the two line counts on documents edited throughout, compares documents
of up to DIFFLIB_MAX_PRODUCT; longer ones are matched on their unique lines
(`_AnchoredMatcher`). The diff kept is cut to MAX_DIFF_LINES lines and
MAX_DIFF_CHARS characters, each line to MAX_DIFF_LINE_CHARS.
"""

from __future__ import annotations

import difflib
import hashlib
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from watcher.sources import ParsedItem
from watcher.text import comparable, one_line


@dataclass(frozen=True, slots=True)
class StoredItem:
    id: int
    fingerprint: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class ItemChange:
    kind: str  # "new" | "updated"
    item: ParsedItem
    fingerprint: str
    previous: StoredItem | None = None
    diff: str | None = None
    summary: str | None = None  # set for documents: what was added and removed


def fingerprint(item: ParsedItem) -> str:
    """What identifies an item's *content*: its title and its text, compared
    after NFKC and whitespace folding so cosmetic re-rendering is no change."""
    return hashlib.sha256(f"{comparable(item.title)}\x00{comparable(item.text)}".encode()).hexdigest()


def diff_items(stored: Mapping[str, StoredItem], parsed: list[ParsedItem]) -> list[ItemChange]:
    """The changes between `stored` (by item key) and the freshly `parsed` items, in document order."""
    changes: list[ItemChange] = []
    for item in parsed:
        fp = fingerprint(item)
        before = stored.get(item.key)
        if before is None:
            changes.append(ItemChange("new", item, fp))
        elif before.fingerprint != fp:
            lines = list(_diff_lines(_document(before.title, before.text), _document(item.title, item.text), 2))
            # The summary counts every line of the diff, not only those kept.
            summary = _summary(lines) if item.document else None
            changes.append(ItemChange("updated", item, fp, before, _kept(lines), summary))
    return changes


# Documents whose line counts multiply to more are not given to difflib (1,000 lines
# each, every other one edited: ~0.06 s; 20,000 each: ~40 s).
DIFFLIB_MAX_PRODUCT = 1_000_000
# A stretch between two anchors of `_AnchoredMatcher` compared line by line at most.
_GAP_MAX_PRODUCT = 10_000
# What is kept of a diff: the rest is counted in a closing "[… n more lines]".
MAX_DIFF_LINES = 1_000
MAX_DIFF_CHARS = 100_000
MAX_DIFF_LINE_CHARS = 2_000


def unified_diff(old: str, new: str, context: int = 2) -> str:
    """A line-level unified diff (lines beginning '+' / '-'), without file headers,
    cut to MAX_DIFF_LINES lines and MAX_DIFF_CHARS characters."""
    return _kept(list(_diff_lines(old, new, context)))


def diff_summary(diff: str, limit: int = 400) -> str:
    """A one-line account of a diff: counts, then the first added and removed text."""
    return _summary(diff.splitlines(), limit)


def _summary(lines: Iterable[str], limit: int = 400) -> str:
    added: list[str] = []
    removed: list[str] = []
    for line in lines:
        if line.startswith(("+", "-")) and line[1:].strip():
            (added if line[0] == "+" else removed).append(line[1:].strip())
    parts = []
    # Each line shown is cut first: folding the whitespace of a 12 MB line held millions of words.
    if added:
        parts.append(f"Added {len(added)} line{'s' * (len(added) != 1)}: "
                     + " / ".join(line[: 2 * limit] for line in added[:3]))
    if removed:
        parts.append(f"Removed {len(removed)} line{'s' * (len(removed) != 1)}: "
                     + " / ".join(line[: 2 * limit] for line in removed[:3]))
    return one_line("; ".join(parts) or "Whitespace or layout changed", limit)


def _diff_lines(old: str, new: str, context: int) -> Iterator[str]:
    """The lines of the unified diff of `old` and `new`: what `difflib.unified_diff`
    gives after its two file headers."""
    a, b = old.splitlines(), new.splitlines()
    matcher = (difflib.SequenceMatcher(None, a, b) if len(a) * len(b) <= DIFFLIB_MAX_PRODUCT
               else _AnchoredMatcher(None, a, b))
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        yield f"@@ -{_hunk_range(first[1], last[2])} +{_hunk_range(first[3], last[4])} @@"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in a[i1:i2])
                continue
            if tag in ("replace", "delete"):
                yield from ("-" + line for line in a[i1:i2])
            if tag in ("replace", "insert"):
                yield from ("+" + line for line in b[j1:j2])


def _hunk_range(start: int, stop: int) -> str:
    """A hunk header's range, as `difflib.unified_diff` writes it."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _kept(lines: Sequence[str]) -> str:
    """`lines` joined, cut to the MAX_DIFF_* limits with a count of what was left out."""
    kept: list[str] = []
    size = 0
    for line in lines:
        if len(line) > MAX_DIFF_LINE_CHARS:
            line = line[:MAX_DIFF_LINE_CHARS] + "…"
        if len(kept) == MAX_DIFF_LINES or size + len(line) > MAX_DIFF_CHARS:
            left = len(lines) - len(kept)
            kept.append(f"[… {left} more line{'s' * (left != 1)}]")
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


class _AnchoredMatcher(difflib.SequenceMatcher):
    """A SequenceMatcher for long sequences, in time about linear in their length.

    Lines that occur once on each side anchor the match, in their longest run in
    the same order on both sides (as patience diff does); the stretches between
    anchors are matched at their ends, and line by line by difflib when short. A
    stretch without anchors that is long stays unmatched: its old lines are removed
    and its new ones added.
    """

    def get_matching_blocks(self) -> list[difflib.Match]:
        a, b = self.a, self.b
        blocks: list[tuple[int, int, int]] = []
        i0 = j0 = 0
        for i, j in [*_unique_anchors(a, b), (len(a), len(b))]:
            blocks += _gap_blocks(a, b, i0, i, j0, j)
            blocks.append((i, j, 1))
            i0, j0 = i + 1, j + 1
        blocks.pop()  # the end is no anchor
        merged: list[tuple[int, int, int]] = []
        for i, j, n in blocks:
            if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
                merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + n)
            elif n:
                merged.append((i, j, n))
        return [difflib.Match(*block) for block in [*merged, (len(a), len(b), 0)]]


def _unique_anchors(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """(i, j) of lines a[i] == b[j] that occur once in each, the longest run of them
    in the same order on both sides (patience sorting: O(n log n))."""
    count_a, count_b = Counter(a), Counter(b)
    where_b = {line: j for j, line in enumerate(b) if count_b[line] == 1}
    pairs = [(i, where_b[line]) for i, line in enumerate(a) if count_a[line] == 1 and line in where_b]
    tails: list[int] = []  # tails[r]: the smallest j ending an increasing run of r + 1 pairs
    ends: list[int] = []  # the pair (its index in `pairs`) ending that run
    before = [-1] * len(pairs)  # the pair before each in its run
    for k, (_, j) in enumerate(pairs):
        r = bisect_left(tails, j)
        if r == len(tails):
            tails.append(j)
            ends.append(k)
        else:
            tails[r], ends[r] = j, k
        before[k] = ends[r - 1] if r else -1
    run: list[tuple[int, int]] = []
    k = ends[-1] if ends else -1
    while k >= 0:
        run.append(pairs[k])
        k = before[k]
    return run[::-1]


def _gap_blocks(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int) -> list[tuple[int, int, int]]:
    """Matching blocks between two anchors: the equal lines at both ends, and the
    middle by difflib when it is short."""
    head = 0
    while alo + head < ahi and blo + head < bhi and a[alo + head] == b[blo + head]:
        head += 1
    tail = 0
    while ahi - tail > alo + head and bhi - tail > blo + head and a[ahi - tail - 1] == b[bhi - tail - 1]:
        tail += 1
    blocks = [(alo, blo, head)]
    mlo, mhi, nlo, nhi = alo + head, ahi - tail, blo + head, bhi - tail
    if 1 < (mhi - mlo) * (nhi - nlo) <= _GAP_MAX_PRODUCT:  # 1 x 1: two unequal lines
        middle = difflib.SequenceMatcher(None, a[mlo:mhi], b[nlo:nhi]).get_matching_blocks()
        blocks += [(mlo + i, nlo + j, n) for i, j, n in middle]
    blocks.append((mhi, nhi, tail))
    return blocks


def _document(title: str, text: str) -> str:
    return f"{title}\n\n{text}" if text else title
