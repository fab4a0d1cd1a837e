"""The one-pass scan of the classifier (watcher/classify/anchors.py) finds exactly what
each family's regex finds, on every labelled text, and stands aside where it cannot."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.classify.anchors import Scanner, literal_prefixes
from watcher.classify.lexicon import get_lexicon
from watcher.classify.text import normalise

DATA = Path(__file__).parent / "data"


def corpus_texts() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                title, text = normalise(item["title"] or ""), normalise(item.get("text") or "")
                texts.append(f"{title}\n{text}" if text else title)
    return texts


def test_every_family_finds_what_its_regex_finds_on_the_labelled_corpora() -> None:
    lex = get_lexicon()
    scanner = lex.scanner
    texts = corpus_texts()
    assert len(texts) > 900
    anchored = [f for f in scanner.families.values() if f.anchored]
    # The families that carry the cost are anchored (notice only reads titles).
    assert {"ai", "governance", "strong", "jurisdictions", "tags.delay", "tags.new-law"} <= {f.name for f in anchored}
    matches = 0
    for text in texts:
        hits = scanner.scan(text)
        for family in scanner.families.values():
            expected = [m.span() for m in family.pattern.finditer(text)]
            assert [m.span() for m in hits.finditer(family.name)] == expected, (family.name, text[:80])
            matches += len(expected)
            first = family.pattern.search(text, 0, 60)
            got = hits.search(family.name, 0, 60)
            assert (got and got.span()) == (first and first.span()), (family.name, text[:80])
    assert matches > 10_000  # the comparison is about something


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\b(?:delay(?:s|ed)?|postpon(?:e|ed))\b", {"dela", "post"}),
        (r"(?-i:(?<![A-Za-z])AI(?![A-Za-z]))", {"ai"}),
        (r"\bgen(?:erative)?[- ]?AI\b", {"gene", "gen-", "gen ", "gena"}),
        (r"(?:AI )?Standard", {"ai s", "stan"}),
        (r"a*b", {"a", "b"}),
        (r"ab+c", {"ab"}),
        (r"(?:AI|人工知能)[^。]{0,12}規制", {"ai", "人工知能"}),
        (r"\b\d+ countries", set("0123456789")),
        (r"[a-c]x", {"ax", "bx", "cx"}),
    ],
)
def test_literal_prefixes(pattern: str, expected: set[str]) -> None:
    assert literal_prefixes(pattern, 4) == expected


def test_literal_prefixes_run_to_the_length_asked() -> None:
    pattern = r"\b(?:delay(?:s|ed)?|postpon(?:e|ed))\b"
    assert literal_prefixes(pattern, 12) == {"delay", "delays", "delayed", "postpone", "postponed"}
    assert literal_prefixes(pattern, 6) == {"delay", "delays", "delaye", "postpo"}


@pytest.mark.parametrize("pattern", [r"x?", r"\w+ing", r"(?:AI )?\w+", r".ab", r"[^a]b", r"\s*law"])
def test_literal_prefixes_give_up_where_a_match_can_start_anywhere(pattern: str) -> None:
    assert literal_prefixes(pattern) is None


# Small regexes over a small alphabet, so that random texts often match them.
_atoms = st.sampled_from(["a", "b", "ab", "(?:a|bc)", "(?:ab)?", "[ab]", "b*", "a+", r"\b", "c{1,2}", "[^a]", "(?-i:B)"])
_patterns = st.lists(_atoms, min_size=1, max_size=4).map("".join)


@settings(max_examples=300, deadline=None)
@given(pattern=_patterns, text=st.text(alphabet="abcABC \u017f\u0131", max_size=30))
def test_the_scan_agrees_with_finditer_on_random_patterns(pattern: str, text: str) -> None:
    compiled = re.compile(pattern, re.IGNORECASE)
    scanner = Scanner({"f": (compiled, [pattern])})
    hits = scanner.scan(text)
    assert [m.span() for m in hits.finditer("f")] == [m.span() for m in compiled.finditer(text)]
    assert hits.count("f") == len(compiled.findall(text))


def test_a_text_the_engine_folds_differently_is_scanned_as_the_engine_folds_it() -> None:
    """The long s (ſ) matches "s" case-insensitively in the regex engine, but
    str.lower leaves it as it is: the scan lowers it as the engine folds it."""
    compiled = re.compile("sandbox", re.IGNORECASE)
    scanner = Scanner({"f": (compiled, ["sandbox"])})
    text = "a regulatory \u017fandbox"
    assert compiled.search(text)
    assert [m.span() for m in scanner.scan(text).finditer("f")] == [(13, 20)]
    # A text whose lower-casing changes its length (İ) too.
    text = "\u0130 sandbox"
    assert [m.span() for m in scanner.scan(text).finditer("f")] == [m.span() for m in compiled.finditer(text)]


def test_month_names_are_found_where_the_date_stage_looked_for_them() -> None:
    """The date stage tries its month forms where month names start; from the scan it
    must get the places its own regex over " " + text gives."""
    from watcher.classify.dates import _get_patterns, _month_starts

    lex = get_lexicon()
    pats = _get_patterns(lex)
    found = 0
    for text in corpus_texts() + ["Sept.Oct. 2026", "on 5 May, May and mayors", "from March 2027"]:
        expected = [m.start() for m in pats.month_start.finditer(f" {text}")]
        assert _month_starts(text, pats, lex.scanner.scan(text)) == expected, text[:80]
        found += len(expected)
    assert found > 200
