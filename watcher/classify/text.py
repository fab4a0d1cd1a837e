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
