"""Text normalisation and script detection shared by the classifier's stages."""

from __future__ import annotations

import re
import unicodedata

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_VIET = re.compile(r"[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđươ]", re.IGNORECASE)
# Common characters that exist in only one of the two Chinese scripts.
_SIMPLIFIED = frozenset("国发会规关数门与说为时个这对应业办务经资开见长网员报设术实进总质们过还动区层织营监标条细决")
_TRADITIONAL = frozenset("國發會規關數門與說為時個這對應業辦務經資開見長網員報設術實進總質們過還動區層織營監標條細決")


def normalise(s: str) -> str:
    """NFKC (full-width digits and brackets become ASCII) and collapsed whitespace."""
    # str.split() cuts at exactly the characters of the regex \s (both ask
    # Py_UNICODE_ISSPACE), without a regex match object per space.
    return " ".join(unicodedata.normalize("NFKC", s).split())


def default_jurisdiction(s: str) -> str | None:
    """The jurisdiction a text's script implies when nothing else names one.

    Official Korean, Japanese and Vietnamese texts rarely name their own country;
    Chinese texts are split by script (traditional: Taiwan, simplified: mainland).
    Returns None for Latin-script text, whose language does not fix a country.
    """
    if _HANGUL.search(s):
        return "KR"
    if _KANA.search(s):
        return "JP"
    if _HAN.search(s):
        simp = sum(1 for ch in s if ch in _SIMPLIFIED)
        trad = sum(1 for ch in s if ch in _TRADITIONAL)
        return "TW" if trad > simp else "CN"
    if _VIET.search(s):
        return "VN"
    return None


def is_cjk(s: str) -> bool:
    """True when `s` contains Han, kana or Hangul (cues then sit closer to dates)."""
    return bool(_HAN.search(s) or _KANA.search(s) or _HANGUL.search(s))


def normalise_offsets(s: str) -> tuple[list[int], list[int]] | None:
    """Where each character of `normalise(s)` comes from in `s`: (starts, ends), so
    that ``s[starts[a]:ends[b - 1]]`` is the original of ``normalise(s)[a:b]``.

    NFKC is applied per cluster (a character and the combining marks after it),
    which gives what NFKC of the whole gives for all but exotic input (conjoining
    jamo): None then, and the caller keeps the normalised text. Costs a pass in
    Python over `s`: for explanations only, never on the classifier's path.
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    space_at = -1  # the whitespace run waiting to become one space, if any
    i, n = 0, len(s)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(s[j]):
            j += 1
        for ch in unicodedata.normalize("NFKC", s[i:j]):
            if ch.isspace():
                if out and space_at < 0:
                    space_at = i
                continue
            if space_at >= 0:
                out.append(" ")
                starts.append(space_at)
                ends.append(i)
                space_at = -1
            out.append(ch)
            starts.append(i)
            ends.append(j)
        i = j
    if "".join(out) != normalise(s):
        return None
    return starts, ends


_SCRIPT_RUNS = {
    "KR": re.compile(r"[\uac00-\ud7a3]+"),
    "JP": re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]*[\u3040-\u30ff][\u3040-\u30ff\u4e00-\u9fff]*"),
    "CN": re.compile(r"[\u4e00-\u9fff]+"),
    "TW": re.compile(r"[\u4e00-\u9fff]+"),
    "VN": re.compile(rf"\w*{_VIET.pattern}\w*", re.IGNORECASE),
}


def script_run(s: str, code: str) -> tuple[int, int] | None:
    """Span of the first word of `s` in the script `default_jurisdiction` read as
    `code` (for explanations: the text that named the jurisdiction)."""
    rx = _SCRIPT_RUNS.get(code)
    m = rx.search(s) if rx is not None else None
    # Chinese and Japanese leave no space between words: a few characters suffice.
    return (m.start(), min(m.end(), m.start() + 12)) if m else None
