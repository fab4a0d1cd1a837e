"""`json`: an API answering JSON, with a path to the item list and a field map (not polled yet)."""

from __future__ import annotations

from watcher.sources import Key, SourceType

FIELD_NAMES = ("id", "title", "url", "published", "summary", "effective", "deadline")


def _fields(value: dict) -> str | None:
    unknown = set(value) - set(FIELD_NAMES)
    if unknown:
        return f"unknown field(s) {sorted(unknown)}; map any of: {', '.join(FIELD_NAMES)}"
    if "title" not in value:
        return "must map at least 'title' (and 'id' or 'url' for identity)"
    return None


class JsonSource(SourceType, name="json"):
    """An official API: `items` is the dotted path to the list, `fields` maps
    watcher's names to the API's (effective/deadline become dates directly)."""

    supported = False
    keys = {
        "items": Key(str, "dotted path to the list of items, e.g. results", required=True),
        "fields": Key(dict, "{id, title, url, published, summary, effective, deadline} -> API field paths", required=True, check=_fields),
    }
