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
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from watcher.budget import MAX_ITEM_TEXT, MAX_PDF_PAGES, cut_marker
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
        pages_left = 0
        if is_pdf(fetched.body, fetched.content_type):
            text, warning, pages_left = pdf_text(fetched.body)
        else:
            decoded, _ = decode_body(fetched.body, fetched.content_type, source.encoding)
            tree, warning = parse_html(decoded)
            text = main_text(tree, source.options.get("content"))
        # Normalised only as far as the budget keeps (normalising 12 MB of text: seconds).
        cut = max(0, len(text) - MAX_ITEM_TEXT)
        text = document_text(text[:MAX_ITEM_TEXT] if cut else text, source.options.get("ignore", ()))
        if cut:
            text += "\n" + cut_marker(cut)
        elif pages_left:
            text += "\n" + cut_marker(pages_left, "pages")
        if not text:
            raise ParseError("the document has no text (empty page, or content behind a script)")
        # The source's name is the title: a <title> carrying a date or a counter
        # would otherwise make every fetch an edit.
        item = ParsedItem(key=source.url, title=source.name, url=fetched.final_url or source.url, text=text,
                          document=True)
        return ParseResult(items=[item], warning=warning, evidence_text=text)


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


def pdf_text(body: bytes) -> tuple[str, str | None, int]:
    """The text layer of a PDF, page by page; a warning when only part of it was read
    (its first MAX_PDF_PAGES pages, and of those no more than MAX_ITEM_TEXT characters);
    and how many pages were left out. A PDF without a text layer (a scan) is a ParseError."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    texts: list[str] = []
    size = 0
    try:
        reader = PdfReader(io.BytesIO(body))
        pages, declared = _page_tree(reader)
        for page in pages:
            if len(texts) == MAX_PDF_PAGES or size > MAX_ITEM_TEXT:
                break
            text = (page.extract_text() or "").strip()
            texts.append(text)
            size += len(text)
        else:
            declared = len(texts)  # read to the end: the count is what was there
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ParseError(f"not a readable PDF: {exc}") from None
    text = "\n\n".join(t for t in texts if t)
    if not text:
        raise ParseError(f"the PDF has {max(declared, len(texts)):,} page(s) but no text layer (a scan?); "
                         "watcher does not OCR")
    warning = None
    if declared > len(texts):
        why = f"{MAX_PDF_PAGES:,} pages" if len(texts) == MAX_PDF_PAGES else f"{MAX_ITEM_TEXT:,} characters"
        warning = (f"the PDF has {declared:,} pages; read its first {len(texts):,} (the budget reads at most {why}: "
                   "watcher.budget)")
    return text, warning, max(0, declared - len(texts))


# Attributes a page inherits from the page-tree nodes above it (PDF 1.7, 7.7.3.4).
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_MAX_TREE_DEPTH = 64


def _page_tree(reader: Any) -> tuple[Iterator[Any], int]:
    """The pages of `reader`'s document in order, read lazily, and the page count its
    page tree declares. pypdf's own `reader.pages` parses every page's dictionary at
    the first access (60,000 pages: 14 s); this walk reads only the pages taken. A
    page or node met twice (a loop) is skipped; a tree deeper than 64 is an error."""
    from pypdf import PageObject
    from pypdf.generic import DictionaryObject, IndirectObject, NameObject

    root = reader.trailer["/Root"].get_object()["/Pages"].get_object()
    if not isinstance(root, DictionaryObject):
        raise PdfStructureError("its /Pages is not a dictionary")
    declared = root.get("/Count")
    declared = int(declared) if isinstance(declared, int) and declared > 0 else 0

    def inherit(node: Any, above: dict[str, Any]) -> dict[str, Any]:
        return {**above, **{k: node[k] for k in _INHERITED if k in node}}

    def walk() -> Iterator[Any]:
        seen: set[tuple[int, int] | int] = set()
        frames = [(iter(root.get("/Kids") or ()), inherit(root, {}))]
        while frames:
            kids, above = frames[-1]
            ref = next(kids, None)
            if ref is None:
                frames.pop()
                continue
            key = (ref.idnum, ref.generation) if isinstance(ref, IndirectObject) else id(ref)
            if key in seen:
                continue
            seen.add(key)
            node = ref.get_object()
            if not isinstance(node, DictionaryObject):
                continue
            if "/Kids" in node and node.get("/Type") != "/Page":
                if len(frames) >= _MAX_TREE_DEPTH:
                    raise PdfStructureError(f"its page tree is deeper than {_MAX_TREE_DEPTH} levels")
                frames.append((iter(node["/Kids"] or ()), inherit(node, above)))
                continue
            page = PageObject(reader, ref if isinstance(ref, IndirectObject) else None)
            page.update(node)
            for name, value in above.items():
                if name not in page:
                    page[NameObject(name)] = value
            yield page

    return walk(), declared


class PdfStructureError(ValueError):
    """A PDF whose page tree cannot be read as one."""
