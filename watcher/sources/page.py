"""`page`: one document whose text is watched and diffed (not polled yet)."""

from __future__ import annotations

import re

from watcher.sources import Key, SourceType


def _regexes(value: list) -> str | None:
    for pattern in value:
        if not isinstance(pattern, str):
            return "must be a list of regular expressions (strings)"
        try:
            re.compile(pattern)
        except re.error as exc:
            return f"'{pattern}' is not a valid regular expression: {exc}"
    return None


class PageSource(SourceType, name="page"):
    """A document (HTML or PDF): its text is the one item, diffed line by line."""

    supported = False
    keys = {
        "content": Key(str, "CSS selector of the part to watch (default: the main text)"),
        "ignore": Key(list, "regexes of text to ignore when diffing (counters, timestamps)", check=_regexes),
    }
