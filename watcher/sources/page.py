"""`page`: one document (HTML or PDF) whose text is watched and diffed.

The document is the source's single item. Its text is reduced to what a reader
sees: the `content` selector's nodes (default: the main content without
navigation, headers, footers, scripts, ads), Unicode NFKC, invisible characters
removed, whitespace folded, `ignore` regexes and built-in volatile patterns
(view counters, clock times, render timings, long hex tokens) dropped. So a
re-rendered page (new session token, timestamp, counter, attribute order, ads)
compares equal, and a real edit shows as a line diff.
"""

from __future__ import annotations

import io
import re
import unicodedata
from typing import TYPE_CHECKING

from watcher.errors import ParseError
from watcher.fetch import decode_body
from watcher.sources import Key, ParsedItem, ParseResult, SourceType
from watcher.sources.html import main_text, parse_html
from watcher.text import normalise_text

if TYPE_CHECKING:
    from watcher.config import SourceConfig
    from watcher.fetch import FetchResult

# Text that changes on every rendering without the document changing.
VOLATILE = [
    # view counters: "Views: 1,234", "조회수 123", "閲覧数：45", "瀏覽次數 12", "点击数: 3"
    r"(?i:\b(?:views?|hits|visits)\s*(?:count)?\s*[:：]?\s*[\d,]+)",
    r"(?:조회수?|閲覧数|閲覧回数|瀏覽次數|浏览次数|点击数|點閱數|阅读数|閱讀數)\s*[:：]?\s*[\d,]+",
    # a date and clock time to the second ("Generated 2026-11-23 14:22:31"), or a clock time alone
    r"\d{4}[-./]\d{1,2}[-./]\d{1,2}[ T]\d{1,2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?",
    r"(?<![\d:])\d{1,2}:\d{2}:\d{2}(?![\d:])",
    # render timings
    r"(?i:(?:generated|rendered|processed)\s+in\s+[\d.]+\s*(?:ms|s|sec|seconds))",
    # tokens printed in the text (CSRF, session ids): long runs of hex
    r"\b[0-9a-f]{24,}\b",
]
_VOLATILE = re.compile("|".join(f"(?:{p})" for p in VOLATILE))


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

    keys = {
        "content": Key(str, "CSS selector of the part to watch (default: the main text)"),
        "ignore": Key(list, "regexes of text to ignore when diffing (counters, timestamps)", check=_regexes),
    }

    @classmethod
    def parse(cls, source: SourceConfig, fetched: FetchResult) -> ParseResult:
        assert fetched.body is not None
        if is_pdf(fetched.body, fetched.content_type):
            text = pdf_text(fetched.body)
        else:
            decoded, _ = decode_body(fetched.body, fetched.content_type, source.encoding)
            text = main_text(parse_html(decoded), source.options.get("content"))
        text = document_text(text, source.options.get("ignore", ()))
        if not text:
            raise ParseError("the document has no text (empty page, or content behind a script)")
        # The source's name is the title: a <title> carrying a date or a counter
        # would otherwise make every fetch an edit.
        item = ParsedItem(key=source.url, title=source.name, url=fetched.final_url or source.url, text=text,
                          document=True)
        return ParseResult(items=[item], evidence_text=text)


def document_text(text: str, ignore: list[str] | tuple[str, ...] = ()) -> str:
    """Normalised, comparable document text: NFKC, volatile and ignored text removed,
    one paragraph per line and no blank lines (so a gained paragraph diffs as exactly
    one added line, not the paragraph plus a blank separator)."""
    text = unicodedata.normalize("NFKC", text)
    for pattern in ignore:
        text = re.sub(pattern, "", text)
    text = _VOLATILE.sub("", text)
    return "\n".join(line for line in normalise_text(text).split("\n") if line)


def is_pdf(body: bytes, content_type: str | None) -> bool:
    return body[:1024].lstrip().startswith(b"%PDF") or bool(content_type and "application/pdf" in content_type.lower())


def pdf_text(body: bytes) -> str:
    """The text layer of a PDF, page by page. A PDF without one (a scan) is a ParseError."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(body))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ParseError(f"not a readable PDF: {exc}") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise ParseError(f"the PDF has {len(pages)} page(s) but no text layer (a scan?); watcher does not OCR")
    return text
