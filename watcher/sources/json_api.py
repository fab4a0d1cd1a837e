"""`json`: an official API answering JSON (the Federal Register's documents.json,
gov.cn's policy-library search, the EU's Have Your Say initiatives).

`items` is a dotted path to the list of records (`results`,
`searchVO.catMap.bumenfile.listVO`; a number indexes a list). `fields` maps
watcher's names to dotted paths inside each record. `effective` and `deadline`
fields become the change's dates directly (kinds `effective` / `deadline`), at
the precision the API gives.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from watcher.errors import ParseError
from watcher.fetch import decode_body
from watcher.sources import MAX_ITEMS, Key, ParsedItem, ParseResult, SourceType
from watcher.sources.dates import find_date
from watcher.text import html_to_text, sub_tags
from watcher.urls import canonical_url, is_web_url

if TYPE_CHECKING:
    from watcher.config import SourceConfig
    from watcher.fetch import FetchResult

FIELD_NAMES = ("id", "title", "url", "published", "summary", "effective", "deadline")
# ISO 8601 at any precision, and only that: "2026.03.23" or "20260323" must not read as the year 2026.
_ISO_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?=$|[T\s])")
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?=$|[T\s])")  # 20260323 (e-Gov, lawmaking.go.kr)
# Inline markup search APIs wrap matched words in (gov.cn: "<em>人工智能</em>生成..."): dropped
# without a space, which would split CJK words.
_INLINE_TAG = re.compile(r"</?(?:em|strong|b|i|u|mark|span|font|sub|sup)\b[^>]*>", re.I)


def _fields(value: dict) -> str | None:
    unknown = set(value) - set(FIELD_NAMES)
    if unknown:
        return f"unknown field(s) {sorted(map(str, unknown))}; map any of: {', '.join(FIELD_NAMES)}"
    if "title" not in value:
        return "must map at least 'title' (and 'id' or 'url' for identity)"
    if not all(isinstance(v, str) and v for v in value.values()):
        return "each field must map to a dotted path (a string), e.g. {title: title, url: html_url}"
    return None


class JsonSource(SourceType, name="json"):
    """An official API: `items` is the dotted path to the list, `fields` maps
    watcher's names to the API's (effective/deadline become dates directly)."""

    keys = {
        "items": Key(str, "dotted path to the list of items, e.g. results", required=True),
        "fields": Key(dict, "{id, title, url, published, summary, effective, deadline} -> API field paths",
                      required=True, check=_fields),
    }

    @classmethod
    def parse(cls, source: SourceConfig, fetched: FetchResult) -> ParseResult:
        assert fetched.body is not None
        text, _ = decode_body(fetched.body, fetched.content_type or "application/json; charset=utf-8", source.encoding)
        try:
            document = json.loads(text)
        except ValueError as exc:
            looks_html = text.lstrip()[:1] == "<"
            raise ParseError("an HTML page, not JSON (a bot challenge?)" if looks_html else f"not valid JSON: {exc}") from None
        records = resolve(document, source.options["items"])
        if not isinstance(records, list):
            raise ParseError(f"'items: {source.options['items']}' is a {type(records).__name__}, not a list")
        fields: dict[str, str] = source.options["fields"]
        base = fetched.final_url or source.url
        items = []
        seen: set[str] = set()
        for record in records[:MAX_ITEMS]:
            if isinstance(record, dict) and (item := _item(record, fields, base)) and item.key not in seen:
                seen.add(item.key)
                items.append(item)
        return ParseResult(items=items, evidence_text=text)


def resolve(document: Any, path: str) -> Any:
    """The value at a dotted `path` ("a.b.0.c"); ParseError naming the missing step."""
    value = document
    walked = []
    for step in path.split("."):
        walked.append(step)
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.lstrip("-").isdigit() and -len(value) <= int(step) < len(value):
            value = value[int(step)]
        else:
            here = ".".join(walked[:-1]) or "the top level"
            keys = f"; keys there: {', '.join(list(value)[:15])}" if isinstance(value, dict) else ""
            raise ParseError(f"path '{path}' not found: no '{step}' at {here}{keys}")
    return value


def _get(record: dict, path: str) -> Any:
    value: Any = record
    for step in path.split("."):
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def _item(record: dict, fields: dict[str, str], base: str) -> ParsedItem | None:
    title = _text(_get(record, fields["title"]))
    raw_url = _get(record, fields["url"]) if "url" in fields else None
    url = canonical_url(str(raw_url), base) if raw_url else None
    if url and not is_web_url(url):
        url = None
    raw_id = _get(record, fields["id"]) if "id" in fields else None
    key = str(raw_id).strip() if raw_id not in (None, "") else url
    if not key:
        if not title:
            return None
        key = "sha1:" + hashlib.sha1(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()
    summary = _text(_get(record, fields["summary"])) if "summary" in fields else ""
    dates = []
    for name in ("effective", "deadline"):
        if name in fields and (value := api_date(_get(record, fields[name]))):
            dates.append({"date": value, "kind": name})
    published = parse_datetime(_get(record, fields["published"])) if "published" in fields else None
    return ParsedItem(key=key[:1000], title=title or "(untitled)", url=url, published=published,
                      text=summary, dates=dates)


def _text(value: Any) -> str:
    return html_to_text(sub_tags(_INLINE_TAG, "", str(value or "")))


def api_date(value: Any) -> str | None:
    """An API's date as ISO 8601 at its own precision ("2026-01-22", "2026-01", "2026")."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):  # epoch seconds or milliseconds
        found = parse_datetime(value)
        return found.date().isoformat() if found else None
    m = _ISO_DATE.match(str(value))
    if m:
        return "-".join(g for g in m.groups() if g)
    m = _COMPACT_DATE.match(str(value))
    if m:
        try:
            return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3))).date().isoformat()
        except ValueError:
            return None
    found = find_date(str(value))
    return found.date().isoformat() if found else None


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601, 'YYYY-MM-DD HH:MM:SS', RFC 822, epoch seconds or milliseconds, or a date in text."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except ValueError:
        pass
    try:
        parsed = parsedate_to_datetime(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        pass
    return find_date(text)
