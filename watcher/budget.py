"""The cost budget of one fetched body (issue 22): every limit that bounds what
preparing it (parse -> diff -> classify) may read, keep, spend in time and in memory.

Fetched bodies are hostile input. The parse stage reads a bounded part of each
(HTML nesting depth, PDF pages, the size given to the feedparser fallback), keeps
a bounded part (each item's text and title, the evidence of a version), and the
whole of preparing a body runs in a worker process that is stopped when it
overruns (`watcher.prepare`). A body that goes over a limit either is read in
part, saying so ("[… cut: N more characters]", a warning on the source), or is a
source error naming the limit; the rest of the cycle goes on.
"""

from __future__ import annotations

# Preparing one body (parse, diff, classify) in a worker process: wall-clock seconds,
# and memory the worker may take beyond what it holds idle (address space, RLIMIT_AS).
PREPARE_SECONDS = 20.0
PREPARE_MEMORY_MB = 256

# HTML elements nested deeper than this are flattened (their tags dropped, their text
# kept) before the HTML parser sees them: the HTML tree builder costs time in
# proportion to the depth for each tag. Browsers cap the DOM depth the same way (512).
MAX_HTML_DEPTH = 512

# A PDF is read up to this many pages (its first ones), its text up to MAX_ITEM_TEXT.
MAX_PDF_PAGES = 300

# The feedparser fallback (for feeds the lxml fast path does not take) costs ~30 us of
# CPU per element: it reads documents of at most this size and this many elements, and
# none that nests elements past libxml2's own depth limit (256, checked with lxml).
FEED_FALLBACK_MAX_BYTES = 4 * 1024 * 1024
FEED_FALLBACK_MAX_ELEMENTS = 100_000

# Rows of a `page-list` are read until their text passes this many characters.
MAX_LISTING_TEXT = 10_000_000

# Kept per item and per version of a source: what every later stage (diff, classify,
# store, notify) sees. A law's full text is ~600,000 characters.
MAX_ITEM_TEXT = 1_000_000
MAX_TITLE = 1000
MAX_EVIDENCE_TEXT = 2_000_000


def cut_marker(more: int, unit: str = "characters") -> str:
    """The line that ends a text cut short: what was left out, in `unit`."""
    return f"[… cut: {more:,} more {unit}]"


# A text may pass its limit by this much: the line of a cut marker, added where it was cut.
MARKER_ROOM = 64


def cut_text(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters (at a line or word end when one is
    near) followed by a line saying how many characters were cut. A text at most
    MARKER_ROOM past `limit` is left whole: it may be one cut already."""
    if len(text) <= limit + MARKER_ROOM:
        return text
    head = text[:limit]
    end = max(head.rfind("\n"), head.rfind(" "))
    if end > limit * 0.9:
        head = head[:end]
    return head.rstrip() + "\n" + cut_marker(len(text) - len(head))
