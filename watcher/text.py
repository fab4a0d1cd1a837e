"""Plain text from markup, normalised so cosmetic differences do not count as changes."""

from __future__ import annotations

import html
import re
import unicodedata

_TAG = re.compile(r"<[^>]*>")
_BLOCK = re.compile(
    r"<\s*/?\s*(?:br|hr|p|div|li|ul|ol|dl|dt|dd|h[1-6]|tr|table|thead|tbody|section|article|header|footer"
    r"|nav|aside|main|blockquote|pre|figure|figcaption|caption|address|form|fieldset)\b[^>]*>",
    re.I,
)
_CELL = re.compile(r"<\s*/?\s*(?:td|th)\b[^>]*>", re.I)
_SCRIPT_START = re.compile(r"<(script|style)\b", re.I)
_SCRIPT_END = {"script": re.compile(r"</script\s*>", re.I), "style": re.compile(r"</style\s*>", re.I)}
# Runs of spaces to fold into one; a lone ASCII space, by far the commonest, is not
# matched at all (replacing it with itself made every string anew).
_OTHER_SPACES = "\t\f\v\u00a0\u3000"  # folded like " "; the first three are its ASCII ones
_SPACES = re.compile(f"[{_OTHER_SPACES}][ {_OTHER_SPACES}]*| [ {_OTHER_SPACES}]+")
_OTHER_SPACE = re.compile(f"[{_OTHER_SPACES}]")
_BLANKS = re.compile(r"\n\s*\n+")
# Zero-width and bidi control characters: invisible, yet they make equal text differ.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"), None)
# str.translate looks every character up in a dict (8 us for a 700-character
# summary); a regex finds out in a C loop whether there is anything to remove.
_ANY_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]")


def html_to_text(markup: str) -> str:
    """Text of an HTML fragment, entities decoded: block elements become line
    breaks, table cells spaces, and inline tags vanish without a trace (a space
    there would split CJK words: <em>人工</em>智能 is 人工智能)."""
    if "<" not in markup and "&" not in markup:
        return normalise_text(markup)
    # Every tag ends with ">": past the last one no pattern can match, and a pattern
    # tried there would scan to the end from each "<" (100,000 of them: minutes).
    end = markup.rfind(">") + 1
    markup, rest = markup[:end], markup[end:]
    markup = _without_scripts(markup)
    markup = _BLOCK.sub("\n", markup)
    markup = _CELL.sub(" ", markup)
    return normalise_text(html.unescape(_TAG.sub("", markup) + rest))


def _without_scripts(markup: str) -> str:
    """`markup` with each <script>/<style> element up to its end tag replaced by a space
    (an element never closed is left, its tags removed later): one pass, where a lazy
    regex would search for the end tag again from each unclosed start tag."""
    out: list[str] = []
    pos = 0
    unclosed: set[str] = set()
    while (m := _SCRIPT_START.search(markup, pos)) is not None:
        name = m.group(1).lower()
        close = None if name in unclosed else _SCRIPT_END[name].search(markup, m.end())
        if close is None:
            unclosed.add(name)  # no end tag after this one: none after a later one either
            if len(unclosed) == len(_SCRIPT_END):
                break
            out.append(markup[pos:m.end()])
            pos = m.end()
            continue
        out.append(markup[pos:m.start()] + " ")
        pos = close.end()
    if not out:
        return markup
    out.append(markup[pos:])
    return "".join(out)


def normalise_text(text: str) -> str:
    """NFC, invisible characters removed, runs of spaces folded, lines trimmed.
    (NFC, not NFKC: full-width CJK punctuation is kept as written for display;
    `comparable` applies NFKC where only equality matters.)"""
    if not text.isascii():  # ASCII is NFC and holds no invisible characters
        text = unicodedata.normalize("NFC", text)
        if _ANY_INVISIBLE.search(text):
            text = text.translate(_INVISIBLE)
    text = _fold_spaces(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (line.strip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def _fold_spaces(text: str) -> str:
    """`_SPACES.sub(" ", text)`. Most texts hold no space but the ASCII one, and then
    halving runs of two with `str.replace` (a C loop) is the same at a third of the
    regex's cost; whether they do is one flag for ASCII text, else one search."""
    if text.isascii():  # the ASCII ones of _OTHER_SPACES, without a regex
        odd = "\t" in text or "\f" in text or "\v" in text
    else:
        odd = _OTHER_SPACE.search(text) is not None
    if odd:
        return _SPACES.sub(" ", text)
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def one_line(text: str, limit: int = 300) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.6 else cut) + "…"


def comparable(text: str) -> str:
    """`text` reduced for comparison only: NFKC (full-width and compatibility forms
    folded) and all whitespace runs collapsed, so re-rendering is not a change."""
    return " ".join(unicodedata.normalize("NFKC", text).split())
