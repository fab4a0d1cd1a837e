"""`page-list`: an HTML listing page whose rows are the items (not polled yet)."""

from __future__ import annotations

import re

from watcher.sources import Key, SourceType


def _regex(value: str) -> str | None:
    try:
        compiled = re.compile(value)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    missing = {"title"} - set(compiled.groupindex)
    if missing or not {"id", "url"} & set(compiled.groupindex):
        return "needs named groups (?P<title>...) and (?P<id>...) or (?P<url>...)"
    return None


class PageListSource(SourceType, name="page-list"):
    """A listing page: each element matching `items` is one item, its first link
    giving url and title; or `item_pattern`, a regex with named groups."""

    supported = False
    keys = {
        "items": Key(str, "CSS selector of one item (row) on the listing page"),
        "item_pattern": Key(str, "regex with named groups id, title and url, for script-filled boards", check=_regex),
        "item_url": Key(str, "URL template for item_pattern without a url group, e.g. https://.../view.do?no={id}"),
    }

    @classmethod
    def validate_options(cls, options: dict) -> list[tuple[str, str]]:
        if "items" not in options and "item_pattern" not in options:
            return [("items", "a page-list needs 'items' (a CSS selector) or 'item_pattern' (a regex)")]
        return []
