"""Dates: effective dates and deadlines at the precision the text gives.

Finding a date is a matter of patterns (English, and the CJK `YYYY年M月D日` family
with Japanese eras and ROC years); deciding what it is, is a matter of context. A
date is listed only when a cue of the lexicons sits next to it in the same sentence:
an effective cue ("takes effect", "from", 시행, 施行, 生效 ...) or a deadline cue
("comments", "closes", 의견 ... 까지, 意見 ... まで, 截止 ...). A nearer event cue
("signed", "published", 회의 ...) or no cue at all means the date merely records
something that happened, and it is dropped. The old date of a postponement ("from
1 February 2026 to 30 June 2026", "instead of August 2026") is dropped too.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime

from watcher.classify.anchors import MAX_CUE_CHARS, Hits
from watcher.classify.lexicon import CuePair, Lexicon, month_names
from watcher.classify.text import is_cjk

EFFECTIVE, DEADLINE, EVENT = "effective", "deadline", "event"
_ERAS = {"令和": 2018, "平成": 1988, "民國": 1911, "民国": 1911, "中華民國": 1911, "中华民国": 1911}
# "…" (NFKC: "...") joins a headline's clauses: "시행령 국무회의 통과…22일 시행"
_SENTENCE_END = re.compile(r"[。！？!?;；\n…]|\.\.\.|\.(?=\s)")
_DIGIT = re.compile(r"\d")
_CJK_DATE_CHARS = re.compile(r"[年년月월日일号號달]")
# Words before a bare year that make it December of that year: "Ende 2027", "fin 2027".
_YEAR_END_WORDS = r"bis Ende|Ende|fin|fin de|finales de|entro la fine del|fine"
# Words before a bare year, beyond English's: "ab 2027", "à partir de 2028", "dal 2026",
# "từ năm 2027", "mulai tahun 2027". The year still needs its cue right beside it.
_YEAR_WORDS = (
    r"ab(?: dem Jahr)?|bis(?: zum Jahr)?|im Jahr|en|dès|d'ici(?: à)?|à partir de|jusqu'en|avant|desde|a partir de|hasta|antes de|"
    r"nel|dal|entro il|a partire dal|fino al|em|até|từ năm|đến năm|trước năm|mulai(?: tahun)?|pada tahun|sejak(?: tahun)?|hingga(?: tahun)?|"
    rf"paling lambat(?: tahun)?|to|{_YEAR_END_WORDS}"
)
# A weekday after a date ("1月20日(土)", "12. 10.(수)") stands between it and what follows.
_WEEKDAY = r"(?:\s*\((?:[月火水木金土日]|[월화수목금토일]|週?[一二三四五六日]|星期[一二三四五六日天]|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*\.?)\))?"
_RANGE = re.compile(rf"^{_WEEKDAY}\s*(?:から|부터|[~〜～\-–—]|至|到|đến(?: ngày)?|al|au|bis(?: zum)?|a|até|hingga|sampai(?: dengan)?)\s*$", re.I)
_YEAR_END = re.compile(rf"(?:(?:the )?end of|{_YEAR_END_WORDS})\s", re.I)
_CJK_YEAR_END = re.compile(r"\s*(?:底|末|말)")
_YEAR_SPAN_BEFORE = re.compile(r"(?:19|20)\d\d\s*[-–—~〜至到]\s*$")
# "comments from D1 to D2": in a consultation's sentence, D1 opens the period.
_PERIOD_END = re.compile(r"^\s*(?:to|until|through|till|and)\s*$", re.I)
# The start of a counted period ("12일부터 40일간", "1日から30日間"): no date obligations apply.
_PERIOD_START = re.compile(r"^\s*(?:부터|から|起)\s*\d+\s*(?:일간|일 동안|日間|日間|天)|^\s*(?:for|over) (?:a period of )?\d+ days\b", re.I)
_KN = "[〇零一二三四五六七八九十百]"  # Chinese numerals
_KDIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_LATIN_WINDOW = 70  # how far (characters) a cue may sit from the date it qualifies
_CJK_WINDOW = 30
_YEAR_ONLY_WINDOW = 8  # a bare year needs its cue right beside it ("2026년 시행")
# Candidate dates read per item, in text order: an official text states a few dozen;
# thousands are a hostile page, whose cost must stay bounded.
MAX_DATES = 500


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    value: str | None  # ISO at the text's precision; None: needs a base date
    year_only: bool
    # For dates without a year: (month, day or None, +years relative to the base, or
    # None when the text gives no "next year"/"this year" and the base decides).
    relative: tuple[int, int | None, int | None] | None = None


class _Patterns:
    def __init__(self, lex: Lexicon) -> None:
        months = "|".join(month_names(lex.months))
        mon = rf"(?P<mon>{months})\.?"
        # "1st", "1er", "1°", "1." (German), "1 de" (Spanish, Portuguese) before the month.
        day = r"(?P<day>\d{1,2})(?:st|nd|rd|th|er|°|º)?\.?"
        # A Thai Buddhist year (2569 = 2026) is read where a Gregorian one is.
        year = r"(?P<year>(?:19|20)\d\d|25[5-9]\d)"
        of = r"(?:(?:of|de|del|di)\s+)?"
        self.month = re.compile(rf"\b(?:{months})\b", re.I)
        # Where a month name can start (no end boundary: "5 Mayors" is still tried):
        # after a non-word character, in " " + text. The same places as
        # rf"\b(?:{months})" (month names start and end with a letter), found ~4x
        # faster: the engine skips to the next non-word character between tries.
        assert all(m[:1].isalpha() and _word_end(m) for m in lex.months), "month names must be words"
        self.month_start = re.compile(rf"\W(?:{months})", re.I)
        self.latin = [
            re.compile(rf"\b{day}\s*{of}{mon},?\s+{of}{year}\b", re.I),
            re.compile(rf"\b{mon}\s+{day},?\s+{year}\b", re.I),
            re.compile(rf"\b{year}-(?P<mnum>\d\d)-(?P<dnum>\d\d)\b"),
            re.compile(rf"\b{mon}\s+{of}{year}\b", re.I),
            re.compile(rf"\b{mon}\s+(?:of\s+)?(?P<rel>next|this) year\b", re.I),
            re.compile(rf"\b{day}\s*{of}{mon}(?![\w.,]*\s*\d)", re.I),
            re.compile(rf"\b{mon}\s+{day}\b(?!,?\s*\d)", re.I),
            re.compile(
                rf"\b(?:late|early|mid-?|(?:the )?end of|(?:the )?(?:first|second|latter) half of|(?:the )?(?:first|second|third|fourth|last) quarter of|later in|in|from|by|until|before|starting|as of|beginning|{_YEAR_WORDS})\s+{year}\b(?![-/.]\d)",
                re.I,
            ),
            # A month without a year after a start word ("from September"): the
            # dateline's year decides.
            re.compile(
                rf"(?:(?<=\bfrom )|(?<=\bby )|(?<=\buntil )|(?<=\bin )|(?<=\bstarting )|(?<=\bas of )|(?<=\bbeginning )){mon}\b(?!\.?\s*\d)(?!\s+(?:of\s+)?(?:next|this|last) year)",
                re.I,
            ),
            # Day, month and year in digits: "15/7/2026", "15.07.2026", "ngày 1/7/2026".
            re.compile(r"(?<![\d/.])(?P<n1>\d{1,2})([./])(?P<n2>\d{1,2})\2(?P<nyear>(?:19|20)\d\d)(?![\d/])"),
            # Vietnamese: "ngày 1 tháng 7 năm 2026", "tháng 7/2026", "tháng 7 năm 2026".
            re.compile(r"(?:\bngày\s+(?P<vday>\d{1,2})\s+)?\btháng\s+(?P<vmon>\d{1,2})\s*(?:/|\s+năm\s+)(?P<vyear>(?:19|20)\d\d)\b", re.I),
        ]
        # Numbers in digits or in Chinese numerals ("令和七年九月一日", "二〇二六年一月").
        n2 = rf"(?:\d{{1,2}}|{_KN}{{1,3}})"
        era = rf"(?P<era>中華民國|中华民国|令和|平成|民國|民国)\s*(?P<eyear>\d{{1,3}}|元|{_KN}{{1,5}})"
        cyear = rf"(?:{era}|(?P<year>(?:19|20)\d\d)|(?P<kyear>[一二][〇零一二三四五六七八九]{{3}})|(?P<roc>1[0-4]\d))"
        # Characters each CJK form cannot match without (one of each set): a form is
        # tried only on texts that have them. Same order as `cjk`.
        self.cjk_needs = [
            [re.compile("[年년]"), re.compile("[月월]")],
            [re.compile("[月월]")],
            [re.compile("[月월]"), re.compile("[日일]")],
            [re.compile("[달월月]")],
            [re.compile("[月월]")],
            [re.compile("[年년]")],
            [re.compile("[일日号號]")],
        ]
        self.cjk = [
            re.compile(rf"{cyear}\s*[年년]\s*(?P<mnum>{n2})\s*[月월](?:\s*(?P<dnum>{n2})\s*[日일])?"),
            re.compile(r"(?P<rel>내후년|내년|올해|금년|明年|今年|本年|再来年|来年|翌年|次年|后年)\s*(?P<mnum>\d{1,2})\s*[月월](?:\s*(?P<dnum>\d{1,2})\s*[日일])?"),
            re.compile(rf"(?<![\d年년〇零一二三四五六七八九十百])(?P<mnum>{n2})\s*[月월]\s*(?P<dnum>{n2})\s*[日일]"),
            re.compile(r"(?P<relm>다음 ?달|내달|익월|이달|이번 ?달|来月|今月|下个?月|下個月|本月)(?:\s*(?P<dnum>\d{1,2})\s*[日일号號])?"),
            # A month alone ("9월부터", "9月から", "9月起"): the dateline's year decides.
            re.compile(rf"(?<![\d年년/.〇零一二三四五六七八九十百])(?P<monly>\d{{1,2}}|{_KN}{{1,2}})\s*[月월](?!\s*(?:\d|{_KN}))"
                       # ... followed by a particle or a start word, not by a noun ("4월 총선")
                       # nor a count of months ("3月を超えない範囲", "3月以内").
                       r"(?=\s*(?:부터|까지|중|말|초|께|에(?!\s*(?:걸|걸쳐))|から|まで|に|中|末|以降|頃|起|前|底|初|份|開始|开始|施行|實施|实施|生效|시행|적용|適用))"
                       r"(?!\s*(?:を超え|以内|以上|未満|間|を経過|が経過|後|内|이내|간|동안|후|전|之内|之內|內))"),
            re.compile(rf"(?:{era}|(?P<year>20\d\d)|(?P<kyear>二[〇零][一二三四五六七八九〇零][〇零一二三四五六七八九]))\s*[年년](?!\s*{n2}\s*[月월])"),
            # A day of the dateline's month: "15일부터", "2日から", "1日起" (not "30일 이내",
            # "90日以内", nor the day of a month written before it).
            # Counted days ("공포 후 30일부터", "公布後20日を経過した日から") are relative, not days.
            re.compile(
                r"(?<![\d/월月后後])(?<!\d[.,])(?<![월月후]\s)(?P<bday>\d{1,2})\s*"
                r"(?:일(?!\s*(?:이내|간|동안|이상|이하|미만|전|후|이후|만에|이 지난|이 경과|을 경과|내에|째))|"
                r"日(?!以内|以上|以下|未満|間|前|後|ごと|内|之內|之内|內|を経過|が経過|を過ぎ|を超|経過|目)|[日号號](?=起))"
            ),
        ]
        # "today", which is the dateline's date ("오늘부터 시행", "本日から適用", "今日生效").
        self.today = re.compile(r"(?P<today>오늘|금일|本日|今日|今天|きょう|今(?=起)|\btoday\b)", re.I)
        self.next_month = re.compile(r"\bnext month\b", re.I)
        # "by the same date", "同日まで": the date written just before.
        self.same = re.compile(r"\b(?:the same (?:date|day)|that (?:date|day))\b|同日|같은 날|同一日", re.I)


def _word_end(name: str) -> bool:
    """Whether `name` ends in a word character (Thai กุมภาพันธ์ ends in a mark)."""
    return name[-1:].isalnum() or unicodedata.category(name[-1:] or " ").startswith("M")


_patterns_lock = threading.Lock()
_patterns: dict[int, _Patterns] = {}


def _get_patterns(lex: Lexicon) -> _Patterns:
    key = id(lex)
    p = _patterns.get(key)
    if p is None:
        with _patterns_lock:
            p = _patterns.setdefault(key, _Patterns(lex))
    return p


_THIS_MONTH = frozenset({"이달", "이번달", "이번 달", "今月", "本月"})
_REL_YEARS = {"next": 1, "this": 0, "내년": 1, "올해": 0, "금년": 0, "明年": 1, "今年": 0,
              "本年": 0, "来年": 1, "翌年": 1, "次年": 1, "내후년": 2, "再来年": 2, "后年": 2}
# Markers in `_Found.relative` (month slot) for dates that only the dateline fixes.
_BARE_DAY = -99  # "15일부터": a day of the dateline's month (or of the next one)
_TODAY = -98  # "오늘부터": the dateline itself
_SAME = -97  # "by the same date": the date before it
_LIST_GAP = re.compile(r"^\s*(?:,|과|와|및|and|or|や|と|和|及)\s*$", re.I)
# Longer than any text `_LIST_GAP` or `_RANGE` match in normalised text (one space
# each side of the word, a weekday in brackets): a longer gap is not read at all.
_GAP_REACH = 40


def _is_gap(gap: re.Pattern[str], full: str, start: int, end: int) -> bool:
    """Whether `full[start:end]`, the text between two dates, is all `gap` matches."""
    return end - start <= _GAP_REACH and gap.match(full[start:end]) is not None


def _num(s: str) -> int:
    """A number in digits or Chinese numerals: "12", "十二", "一百十三", "二〇二六"."""
    if s.isdigit() and s.isascii():
        return int(s)
    if s == "元":
        return 1
    if "十" not in s and "百" not in s:
        return int("".join(str(_KDIGITS[c]) for c in s))  # positional: 二〇二六
    total = cur = 0
    for c in s:
        if c == "百":
            total, cur = total + (cur or 1) * 100, 0
        elif c == "十":
            total, cur = total + (cur or 1) * 10, 0
        else:
            cur = _KDIGITS[c]
    return total + cur


def _iso(y: int, m: int | None = None, d: int | None = None) -> str | None:
    """ISO text at the given precision, or None when it is not a real date."""
    try:
        if d is not None and m is not None:
            return date(y, m, d).isoformat()
    except ValueError:
        return None
    if m is not None:
        return f"{y:04d}-{m:02d}" if 1 <= m <= 12 else None
    return f"{y:04d}"


# Which of `_Patterns.latin` start with the month name, and which with the day
# before it; the others (ISO dates, bare years) are scanned whole.
_MONTH_FIRST = frozenset({1, 3, 4, 6, 8})
_LATIN_YEAR_ONLY = 7
_CJK_YEAR_ONLY = 5  # the index in `_Patterns.cjk` of the bare year ("2027年")
_DAY_FIRST = frozenset({0, 5})
# The forms without a month name (ISO dates, bare years, dates in digits): tried
# only where a year is.
_YEAR_FORMS = frozenset({2, 7, 9, 10})
_VIETNAMESE = 10
_YEAR = re.compile(r"(?:19|20)\d\d")
_TODAY_CHARS = re.compile("[오금本今き]")  # the first characters of `today`'s CJK words
_SAME_CHARS = re.compile("[同같]")
_DAY_REACH = 9  # "31st of " before the month name


def _latin_matches(i: int, rx: re.Pattern[str], full: str, months: list[int]) -> list[re.Match[str]]:
    """The matches `rx.finditer(full)` gives, found by trying only near month names.

    A form with a month name can only match where one starts (`months`), which is
    far cheaper than scanning every position of the text.
    """
    if i in _MONTH_FIRST:
        return [m for m in (rx.match(full, p) for p in months) if m is not None]
    if i not in _DAY_FIRST:
        return list(rx.finditer(full))
    out: list[re.Match[str]] = []
    last = 0
    for p in months:
        for q in range(max(last, p - _DAY_REACH), p):
            if full[q].isdigit():
                m = rx.match(full, q)
                if m is not None and m.end() > p:
                    out.append(m)
                    last = m.end()
                    break
    return out


def _month_starts(full: str, pats: _Patterns, hits: Hits) -> list[int]:
    """Where month names start in `full`: what `pats.month_start` finds in " " + full,
    tried only where the one-pass scan saw the start of a month name."""
    spaced = f" {full}"
    candidates = hits.positions("months")
    if candidates is None:
        return [m.start() for m in pats.month_start.finditer(spaced)]
    out: list[int] = []
    end = 0
    for q in candidates:
        # full[q] is spaced[q + 1]: the non-word character before it is spaced[q].
        if q >= end and (m := pats.month_start.match(spaced, q)) is not None:
            out.append(q)
            end = m.end()
    return out


# A text in a language that writes dates day first: any letter outside ASCII
# (accents, Vietnamese, Thai, ...). Plain-ASCII text reads "7/1/2026" as July 1.
_NON_ASCII_LETTER = re.compile(r"[^\x00-\x7f\u2000-\u206f]")


def _numeric_date(m: re.Match[str], full: str) -> _Found:
    """A date written in digits ("15/7/2026", "tháng 7/2026"), day first unless the
    text is plain ASCII (American "7/15/2026") and the numbers allow it."""
    g = m.groupdict()
    if g.get("vyear"):
        day = int(g["vday"]) if g.get("vday") else None
        return _Found(m.start(), m.end(), _iso(int(g["vyear"]), int(g["vmon"]), day), False)
    a, b, y = int(g["n1"]), int(g["n2"]), int(g["nyear"])
    day, mon = a, b
    if b > 12 or (a <= 12 and m.group(2) == "/" and not _NON_ASCII_LETTER.search(full)):
        day, mon = b, a
    return _Found(m.start(), m.end(), _iso(y, mon, day), False)


def _find(hits: Hits, lex: Lexicon) -> list[_Found]:
    full = hits.text
    pats = _get_patterns(lex)
    raw: list[_Found] = []
    # Every form needs a digit or, for "March next year", a month name; the forms
    # without a month name need a year.
    latin_rxs = pats.latin if (_DIGIT.search(full) or pats.month.search(full)) else []
    months = _month_starts(full, pats, hits) if latin_rxs else []
    has_year = bool(latin_rxs) and _YEAR.search(full) is not None
    for i, rx in enumerate(latin_rxs):
        if i in _YEAR_FORMS and not has_year:
            continue
        if i == _VIETNAMESE and "tháng" not in full.casefold():
            continue
        for m in _latin_matches(i, rx, full, months):
            g = m.groupdict()
            if g.get("nyear") or g.get("vyear"):
                raw.append(_numeric_date(m, full))
                continue
            mon = lex.months.get((g.get("mon") or "").lower().rstrip("."))
            day = int(g["day"]) if g.get("day") else None
            if g.get("mnum"):
                mon, day = int(g["mnum"]), int(g["dnum"])
            if g.get("rel"):
                raw.append(_Found(m.start(), m.end(), None, False, (mon or 0, None, _REL_YEARS[g["rel"].lower()])))
            elif g.get("year"):
                y = int(g["year"])
                y = y - 543 if y >= 2500 else y  # Thai Buddhist era
                year_only = i == _LATIN_YEAR_ONLY
                # "to 2028": the "to" belongs to the text before it, where a
                # postponement's cue ("delayed the law to$") reads it.
                start = m.start("year") if year_only and m.group().lower().startswith("to") else m.start()
                if year_only and _YEAR_END.match(m.group()):
                    # "end of 2027", "Ende 2027", "finales de 2027": December of that year.
                    raw.append(_Found(start, m.end(), _iso(y, 12), True))
                    continue
                raw.append(_Found(start, m.end(), _iso(y, None if year_only else mon, day), year_only))
            elif mon and day:
                raw.append(_Found(m.start(), m.end(), None, False, (mon, day, None)))
            elif mon:  # a month alone: its cue must be right beside it, as a year's
                raw.append(_Found(m.start(), m.end(), None, True, (mon, None, None)))
    # The CJK forms all need one of these characters; most English texts have none.
    cjk_rxs = pats.cjk if _CJK_DATE_CHARS.search(full) else []
    for i, rx in enumerate(cjk_rxs):
        if not all(need.search(full) for need in pats.cjk_needs[i]):
            continue
        for m in rx.finditer(full):
            g = m.groupdict()
            mon = _num(g["mnum"]) if g.get("mnum") else None
            day = _num(g["dnum"]) if g.get("dnum") else None
            if g.get("rel"):
                raw.append(_Found(m.start(), m.end(), None, False, (mon or 0, day, _REL_YEARS[g["rel"]])))
                continue
            if g.get("relm"):
                # "다음 달 5일", "来月5日": month 0 stands for the base's month plus `plus`.
                plus = 0 if g["relm"] in _THIS_MONTH else 1
                raw.append(_Found(m.start(), m.end(), None, False, (-plus, day, None)))
                continue
            if g.get("monly"):
                mo = _num(g["monly"])
                if 1 <= mo <= 12:
                    raw.append(_Found(m.start(), m.end(), None, True, (mo, None, None)))
                continue
            if g.get("bday"):
                raw.append(_Found(m.start(), m.end(), None, False, (_BARE_DAY, int(g["bday"]), None)))
                continue
            if g.get("era"):
                y = _ERAS[g["era"]] + _num(g["eyear"])
            elif g.get("roc"):
                y = 1911 + int(g["roc"])
            elif g.get("year"):
                y = int(g["year"])
            elif g.get("kyear"):
                y = _num(g["kyear"])
            else:
                raw.append(_Found(m.start(), m.end(), None, False, (mon or 0, day, None)))
                continue
            year_only = i == _CJK_YEAR_ONLY
            if year_only and _CJK_YEAR_END.match(full, m.end()):
                # "2027年底", "2025년 말": December of that year.
                mon = 12
            raw.append(_Found(m.start(), m.end(), _iso(y, mon, day), year_only))
    # These three are scanned only where their words are (casefold: what re.I matches).
    folded = full.casefold()
    if "today" in folded or _TODAY_CHARS.search(full):
        for m in pats.today.finditer(full):
            raw.append(_Found(m.start(), m.end(), None, False, (_TODAY, None, None)))
    if "same" in folded or "that" in folded or _SAME_CHARS.search(full):
        for m in pats.same.finditer(full):
            raw.append(_Found(m.start(), m.end(), None, False, (_SAME, None, None)))
    if "next month" in folded:
        for m in pats.next_month.finditer(full):
            raw.append(_Found(m.start(), m.end(), None, False, (-1, None, None)))
    # Keep the longest match at each place: "2026年1月22日" over its "1月22日".
    raw.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[_Found] = []
    for f in raw:
        if kept and f.start < kept[-1].end:
            continue
        prev = kept[-1] if kept else None
        if f.relative is not None and f.relative[0] == _SAME:
            if prev is None:
                continue
            f = _Found(f.start, f.end, prev.value, prev.year_only, prev.relative)
        if (
            prev is not None
            and prev.value is not None
            and f.relative is not None
            and f.relative[2] is None
            and f.start - prev.end <= 6
        ):
            # "2025年2月19日から3月20日まで": the second date takes the first's year
            # ("3월 1일부터 15일까지": and a bare day its month too).
            mon, day, _ = f.relative
            if mon == _BARE_DAY and len(prev.value) >= 7:
                mon = int(prev.value[5:7])
            if 1 <= mon <= 12:
                f = _Found(f.start, f.end, _iso(int(prev.value[:4]), mon, day), False)
        kept.append(f)
        if len(kept) == MAX_DATES:
            break
    return kept


def parse_published(published: str | date | datetime | None) -> date | None:
    """The item's date from the `published` argument (ISO string, date or datetime)."""
    if published is None:
        return None
    if isinstance(published, datetime):
        return published.date()
    if isinstance(published, date):
        return published
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", str(published))
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _resolve(f: _Found, base: date | None) -> str | None:
    if f.value is not None or f.relative is None:
        return f.value
    if base is None:
        return None  # "1 March" or "next year" with no dateline: not fixed by the text
    mon, day, plus = f.relative
    if mon == _TODAY:
        return base.isoformat()
    if mon == _BARE_DAY and day is not None:
        # The dateline's month; a day well before the dateline's is next month's
        # (an item of 28 March announcing rules "from the 3rd" means 3 April).
        months = base.year * 12 + base.month - 1 + (1 if day < base.day - 10 else 0)
        return _iso(months // 12, months % 12 + 1, day)
    if mon <= 0:  # a day of this (0) or next (-1) month, or the month itself
        months = base.year * 12 + base.month - 1 - mon
        return _iso(months // 12, months % 12 + 1, day)
    if not 1 <= mon <= 12:
        return None
    if plus is not None:
        return _iso(base.year + plus, mon, day)
    # A month and day without a year: the next such day around the dateline (a
    # deadline or start date in a press release is rarely months in the past).
    y = base.year
    if (mon, day or 1) < (base.month, base.day) and (base.month - mon) % 12 > 2:
        y += 1
    return _iso(y, mon, day)


def _distance(pair: CuePair, prefix: str, suffix: str, window: int,
              prefix_at: int, suffix_at: int) -> tuple[int, int, int] | None:
    """(distance, start, end) of the cue of `pair` nearest the date between `prefix`
    and `suffix` (which start at `prefix_at` and `suffix_at` of the text), or None."""
    if pair.before is not None and (m := pair.before.search(prefix.rstrip())) is not None:
        return 0, prefix_at + m.start(), prefix_at + m.end()
    if pair.near is None:
        return None
    best: tuple[int, int, int] | None = None
    head = prefix[-window:]
    head_at = prefix_at + len(prefix) - len(head)
    for m in pair.near.finditer(head):
        d = len(head) - m.end()
        if best is None or d < best[0]:
            best = (d, head_at + m.start(), head_at + m.end())
    for m in pair.near.finditer(suffix[:window]):
        if best is None or m.start() < best[0]:
            best = (m.start(), suffix_at + m.start(), suffix_at + m.end())
        break  # finditer goes left to right: the first is the nearest
    return best


class _Sentences:
    """The sentences of a text, from one scan: each date finds its own by bisection
    (scanning the text before every date made many dates cost quadratic time)."""

    def __init__(self, full: str) -> None:
        self.full = full
        breaks = [m.span() for m in _SENTENCE_END.finditer(full)]
        self._starts = [a for a, _ in breaks]
        self._ends = [b for _, b in breaks]
        self._found: dict[tuple[int, int, int], bool] = {}

    def around(self, start: int, end: int) -> tuple[int, int]:
        """(start, end) of the sentence holding the date `full[start:end]`."""
        i = bisect_right(self._ends, start)  # the breaks before the date
        s = self._ends[i - 1] if i else 0
        j = bisect_left(self._starts, end)  # the first break after it
        if j and self._ends[j - 1] > end:
            # A "..." begun by the date's own dot ("from Jan..."): read on from its end.
            stop = _SENTENCE_END.search(self.full, end)
            return s, stop.start() if stop else len(self.full)
        return s, self._starts[j] if j < len(self._starts) else len(self.full)

    def has(self, pattern: re.Pattern[str], s: int, e: int) -> bool:
        """Whether `pattern` matches in the sentence `full[s:e]`, searched once per sentence."""
        key = (id(pattern), s, e)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = pattern.search(self.full, s, e) is not None
        return found


def _dateline(found: list[_Found], full: str, body_start: int) -> date | None:
    """A day-precise date opening the text ("12 July 2024 — ...") used as base."""
    for f in found:
        if (
            body_start <= f.start <= body_start + 40
            and f.value
            and len(f.value) == 10
            and re.match(r"\s*(?:\)|\])?\s*[—–\-:(]", full[f.end : f.end + 4])
        ):
            return date.fromisoformat(f.value)
    return None


def extract_dates(
    hits: Hits, lex: Lexicon, published: str | date | datetime | None, body_start: int = 0,
    why: dict[tuple[str, str], tuple[int, int, str]] | None = None,
) -> list[dict[str, str]]:
    """Effective dates and deadlines of `hits.text` (normalised title + text).

    `published` (the item's date) resolves "from August next year" and dates without
    a year; lacking it, a dateline opening the body (at `body_start`) is used.
    Returns ``[{"date", "kind"}]`` sorted by (date, kind), without duplicates.
    `why`, when given, receives per (date, kind) returned the (start, end, rule) of
    its first occurrence in `hits.text`: from the deciding cue to the date, whichever
    comes first ("dates.effective", "dates.deadline", "dates.took_effect").
    """
    full = hits.text
    found = _find(hits, lex)
    if not found:
        return []
    base = parse_published(published) or _dateline(found, full, body_start)
    delay = lex.tags["delay"]
    consultation = lex.tags["consultation"]
    window = _CJK_WINDOW if is_cjk(full) else _LATIN_WINDOW
    sentences = _Sentences(full)
    out: set[tuple[str, str]] = set()
    old_end = -1  # end of the last date dropped as the old date of a change
    for i, f in enumerate(found):
        value = _resolve(f, base)
        if value is None:
            continue
        if old_end >= 0 and _is_gap(_LIST_GAP, full, old_end, f.start):
            # "instead of August 2026 and August 2027": the whole list is old.
            old_end = f.end
            continue
        s, e = sentences.around(f.start, f.end)
        # Cues are read within MAX_CUE_CHARS of the date (no cue is longer), not the whole
        # sentence: a long one costs each of its dates no more than that.
        prefix_at = max(s, f.start - MAX_CUE_CHARS)
        prefix = full[prefix_at : f.start]
        suffix = full[f.end : min(e, f.end + MAX_CUE_CHARS)]
        prev = found[i - 1] if i else None
        if prev is not None and prev.start >= s and _is_gap(_RANGE, full, prev.end, f.start):
            # The end of a period: what qualifies it is what precedes the period
            # ("意見募集期間は D1から D2まで"), not the range word before it.
            prefix_at = max(s, prev.start - MAX_CUE_CHARS)
            prefix = full[prefix_at : prev.start]
        if lex.date_old.search(prefix.rstrip()):
            old_end = f.end
            continue
        if _PERIOD_START.match(full[f.end : f.end + 20]) or lex.date_void_after.match(full[f.end : f.end + 24]):
            continue
        if f.year_only and _YEAR_SPAN_BEFORE.search(full, max(0, f.start - 8), f.start):
            continue  # the end of a span of years ("(2020-2025年)"): a plan's period
        nxt = found[i + 1] if i + 1 < len(found) else None
        if nxt is not None and nxt.start < e:
            between = full[f.end : nxt.start]
            if (
                _RANGE.match(between)
                or (lex.date_transition.match(between) and sentences.has(delay, s, e))
                or (_PERIOD_END.match(between) and sentences.has(consultation, s, e))
            ):
                # The start of a period ("comments from D1 to D2") or the old date of a
                # postponement ("from D1 to D2"): only the second date counts.
                continue
            if not _LIST_GAP.match(between):
                # A cue after the next date qualifies that date, not this one: "12日、
                # 来年1月の施行を控える" (12th: the day of the news; January: effective).
                suffix = between
                if any(p.before is not None and p.before.search(between.rstrip())
                       for p in (lex.date_effective, lex.date_deadline)):
                    # "passed on D1, in force from D2": the clause leading to D2's own
                    # cue ("from$") is D2's, none of it D1's.
                    suffix = ""
        dists = {
            kind: _distance(pair, prefix, suffix, window, prefix_at, f.end)
            for kind, pair in (
                (EFFECTIVE, lex.date_effective),
                (DEADLINE, lex.date_deadline),
                (EVENT, lex.date_event),
            )
        }
        # Ties go to the first kind of this order: "have until D to comply" is effective.
        scored = [(d[0], rank, kind) for rank, (kind, d) in enumerate(dists.items()) if d is not None]
        if not scored:
            alone = not any(o is not f and s <= o.start < e for o in found[max(0, i - 3) : i + 4])
            if alone and not f.year_only and sentences.has(lex.took_effect, s, e):
                # "韓国で22日、… が施行された": the sentence's only date, in a sentence
                # reporting that rules took effect, is the day they took effect.
                out.add((value, EFFECTIVE))
                if why is not None and (value, EFFECTIVE) not in why:
                    took = lex.took_effect.search(full, s, e)
                    cue = took.span() if took is not None else (f.start, f.end)
                    why[(value, EFFECTIVE)] = (min(f.start, cue[0]), max(f.end, cue[1]), "dates.took_effect")
            continue
        d, _, kind = min(scored)
        if kind == EVENT or (f.year_only and d > _YEAR_ONLY_WINDOW):
            continue
        if (
            f.relative is not None
            and f.relative[0] == _BARE_DAY
            and d > _YEAR_ONLY_WINDOW
            and not sentences.has(lex.took_effect, s, e)
        ):
            # "정부는 3일 ... 시행한다": a bare day away from its cue is the day of the
            # news, unless the news is that the rules took effect that day.
            continue
        out.add((value, kind))
        if why is not None and (value, kind) not in why:
            cue_at = dists[kind]
            assert cue_at is not None  # the kind was scored
            why[(value, kind)] = (min(f.start, cue_at[1]), max(f.end, cue_at[2]), f"dates.{kind}")
    # A title's "June 2026" restates the text's "30 June 2026": keep the precise one.
    out = {
        (v, k)
        for v, k in out
        if not any(k2 == k and len(v2) > len(v) and v2.startswith(v + "-") for v2, k2 in out)
    }
    return [{"date": v, "kind": k} for v, k in sorted(out)]
