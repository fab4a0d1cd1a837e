"""Text normalisation: the fast forms give exactly what the plain definitions give."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from watcher.text import normalise_text

_CHARS = st.sampled_from([" ", "\t", "\f", "\v", "\u00a0", "\u3000", "\n", "\r", "\u200b", "\ufeff", "\u00ad",
                          "a", "é", "e\u0301", "인", "人", "<", "&"])


def _reference(text: str) -> str:
    """normalise_text as first written: translate every character, fold every run."""
    invisible = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"), None)
    text = unicodedata.normalize("NFC", text).translate(invisible)
    text = re.sub(r"[ \t\f\v\u00a0\u3000]+", " ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return re.sub(r"\n\s*\n+", "\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()


@given(st.lists(_CHARS, max_size=40).map("".join))
def test_normalise_text_equals_its_definition(text: str) -> None:
    assert normalise_text(text) == _reference(text)


# ASCII text takes its own path (no NFC, runs of spaces halved by str.replace).
@given(st.lists(st.sampled_from([" ", "  ", "     ", "\t", "\f", "\v", "\n", "\r", "a", "bc"]), max_size=60).map("".join))
def test_normalise_ascii_text_equals_its_definition(text: str) -> None:
    assert normalise_text(text) == _reference(text)
