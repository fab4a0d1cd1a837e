"""Fetched text made safe to print on a terminal, and CSV cells safe to open in a spreadsheet.

Everything a source serves is hostile: a title may carry escape sequences that
hide a hyperlink (OSC 8), write the clipboard (OSC 52), retitle the window or
move the cursor. Every text-mode printing path passes fetched content through
`terminal_safe` before it is printed (and before it is cut to a column, so a
cut never lands inside a sequence).
"""

from __future__ import annotations

import re
from typing import Any

# ESC sequences removed whole (ECMA-48): CSI (ESC [ or U+009B) with its parameters;
# OSC, DCS, SOS, PM and APC strings up to their BEL or ST terminator; any other ESC
# with its intermediates and final byte. A string body stops at the next control, so
# an unterminated one costs one scan of its own text (never quadratic); what is left
# of it once its ESC is gone prints as plain text.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x00-\x08\x0b-\x1f\x7f-\x9f]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"
)
# What is left: C0 but tab and newline, DEL, C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Tab, newline: kept by `terminal_safe`, flattened to a space by `terminal_line`.
_LINE_BREAKS = re.compile(r"[\t\n]")


def terminal_safe(text: str | None) -> str:
    """`text` without terminal control: ESC sequences (CSI, OSC including OSC 8 and 52,
    DCS, ...) removed whole, then every other C0 control but tab and newline, DEL and
    C1 removed. Printable text, tabs and newlines are kept as they are."""
    if not text:
        return text or ""
    if text.isprintable():  # the common case: one C loop, nothing to remove
        return text
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def terminal_line(text: str | None) -> str:
    """`terminal_safe(text)` on one line (a table cell): tabs and newlines become spaces."""
    return _LINE_BREAKS.sub(" ", terminal_safe(text))


# OWASP (CSV injection): a cell a spreadsheet would read as a formula starts with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a string starting with =, +, -, @, tab or
    carriage return is prefixed with a single quote, as OWASP recommends. Numbers and
    booleans (written by watcher itself) are returned unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# JSON leaves DEL and C1 (U+007F-U+009F) raw when not ASCII-only; only strings can hold them.
_RAW_IN_JSON = re.compile(r"[\x7f-\x9f]")


def json_text(dumped: str) -> str:
    """JSON from `json.dumps(..., ensure_ascii=False)` with DEL and C1 characters written
    as \\u escapes: the same data, nothing a terminal acts on (C0 is escaped by json)."""
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)
