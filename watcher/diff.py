"""Diff stage: compare what a source yields now with what the store holds.

Pure functions, no I/O. An item not seen before is `new`; a known item whose
title or text changed is `updated` (with a unified diff); an item that merely
dropped off the document is nothing at all (feeds and listings rotate).
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping
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
            diff = unified_diff(_document(before.title, before.text), _document(item.title, item.text))
            summary = diff_summary(diff) if item.document else None
            changes.append(ItemChange("updated", item, fp, before, diff, summary))
    return changes


def unified_diff(old: str, new: str, context: int = 2) -> str:
    """A line-level unified diff (lines beginning '+' / '-'), without file headers."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=context)
    return "\n".join(line for line in lines if not line.startswith(("---", "+++")))


def diff_summary(diff: str, limit: int = 400) -> str:
    """A one-line account of a diff: counts, then the first added and removed text."""
    added = [line[1:].strip() for line in diff.splitlines() if line.startswith("+") and line[1:].strip()]
    removed = [line[1:].strip() for line in diff.splitlines() if line.startswith("-") and line[1:].strip()]
    parts = []
    if added:
        parts.append(f"Added {len(added)} line{'s' * (len(added) != 1)}: " + " / ".join(added[:3]))
    if removed:
        parts.append(f"Removed {len(removed)} line{'s' * (len(removed) != 1)}: " + " / ".join(removed[:3]))
    return one_line("; ".join(parts) or "Whitespace or layout changed", limit)


def _document(title: str, text: str) -> str:
    return f"{title}\n\n{text}" if text else title
