"""The date printed in a listing row: the first one found, in the forms official
sites use (2026-01-22, 2026.01.22, 2026/1/22, 2026년 1월 22일, 2026年1月22日,
令和8年1月22日, 民國115年1月14日, ROC 115.01.14)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

_ERAS = {"令和": 2018, "平成": 1988, "R": 2018, "H": 1988}
# (pattern, kind, literals of which a match needs at least one): a pattern none of
# whose literals is in the text cannot match, and is not run (a Korean board has no
# 令和 and no 民國; most rows have no 年).
_PATTERNS = [
    # 2026-01-22, 2026.01.22, 2026/1/22, with optional trailing dot
    # (The look-behinds sit after the first character, "1(?<!\d.)9" for "(?<!\d)19": a
    # pattern that starts with a literal lets the engine skip to where that character is.)
    (re.compile(r"(2(?<!\d.)0\d\d|1(?<!\d.)9\d\d)\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})(?!\d)"), "gregorian", ("20", "19")),
    # 2026년 1월 22일 / 2026年1月22日
    (re.compile(r"(2(?<!\d.)0\d\d|1(?<!\d.)9\d\d)\s*[년年]\s*(\d{1,2})\s*[월月]\s*(\d{1,2})\s*[일日]?"), "gregorian", ("년", "年")),
    # 令和8年1月22日 / 令和元年5月1日 / R8.1.22
    (re.compile(r"(令和|平成)\s*(\d{1,2}|元)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), "era", ("令和", "平成")),
    (re.compile(r"([RH])(?<![A-Za-z].)\s*(\d{1,2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{1,2})(?!\d)"), "era", ("R", "H")),
    # 民國115年1月14日 / 中華民國115年1月14日
    (re.compile(r"民國\s*(\d{2,3})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), "roc", ("民國",)),
    # ROC short form 115.01.14 / 115/01/14 (years 100-199 only, so it cannot be a plain number)
    (re.compile(r"(1(?<![\d.].)[0-9]{2})\s*[./]\s*(\d{1,2})\s*[./]\s*(\d{1,2})(?![\d.])"), "roc", (".", "/")),
]


def find_date(text: str) -> datetime | None:
    """The first valid date in `text` (midnight UTC), or None. Full-width digits
    (２０２６年１月２２日) and era ligatures (㋿, ㍻) are read as their plain forms."""
    text = unicodedata.normalize("NFKC", text)
    best: tuple[int, datetime] | None = None
    for pattern, kind, needs in _PATTERNS:
        if not any(literal in text for literal in needs):
            continue
        for m in pattern.finditer(text):
            value = _to_datetime(m, kind)
            if value is not None:
                if best is None or m.start() < best[0]:
                    best = (m.start(), value)
                break
    return best[1] if best else None


def _to_datetime(m: re.Match[str], kind: str) -> datetime | None:
    try:
        if kind == "gregorian":
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif kind == "era":
            year = 1 if m.group(2) == "元" else int(m.group(2))
            y, mo, d = _ERAS[m.group(1)] + year, int(m.group(3)), int(m.group(4))
        else:
            y, mo, d = int(m.group(1)) + 1911, int(m.group(2)), int(m.group(3))
        return datetime(y, mo, d, tzinfo=UTC)
    except ValueError:
        return None
