"""canonical_url's cheap path gives what the by-the-book path (urljoin, urlsplit,
parse_qsl, urlencode, urlunsplit) gives, for every kind of link a page holds."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.urls import _PATH_SESSION, _canonical, canonical_url


def by_the_book(url: str, base: str | None) -> str:
    url = _PATH_SESSION.sub("", url.strip()) if ";" in url else url.strip()
    canonical = _canonical(url, base)
    return url if canonical is None else canonical


HEADS = [
    "view.do", "./view.do", "../board/view.do", "/press/view.do", "//other.example/x", "a/b/../c", ".", "..",
    "https://gov.example/en/news/17", "HTTPS://Gov.Example/A", "http://gov.example:80/x", "https://gov.example:443/x",
    "https://gov.example:8443/x", "https://gov.example", "http://user@gov.example/x", "https://[::1]/x",
    "https://[::1/x", "javascript:void(0)", "mailto:press@gov.example", "view.do;jsessionid=A1B2.node1",
    "view.do;type=a", " view.do ", "view\tdo", "vi\new.do", "view do", "보도자료.do", "%E4%BA%BA.do",
    "https://gov.example/a//b", "https://gov.example/a/./b", "HTTP://gov.example/x", "view.do#top",
    "https://gov.example/x#top", "", "?",
]
QUERIES = [
    "", "?", "?id=5", "?id=5&pageIndex=1", "?nttSeqNo=500094&pageIndex=1", "?utm_source=rss&id=1", "?UTM_Medium=x",
    "?id=", "?id", "?id=5&", "?&id=5", "?a=b+c", "?a=%20b", "?a=b c", "?a=한", "?a=b;c=d", "?a=b=c", "?PAGE=2&x=1",
    "?fbclid=1", "?a=1#frag", "#frag", "?a=1&a=2", "?x=http://e.example/", "?a.b=c~d-e_f", "?id=1&a=b+c",
    "?id=1&a=%20", "?id=1&b", "?id=1&&b=2",
]
BASES = [None, "https://gov.example/news/list.do", "https://gov.example/news/list.do?page=2",
         "http://127.0.0.1:50155/pages/p5.html", "https://gov.example", "https://gov.example/a//b/list.do",
         "https://gov.example/a/../list.do", "https://[::1/x"]


@pytest.mark.parametrize("base", BASES)
def test_cheap_path_equals_by_the_book_on_every_combination(base: str | None) -> None:
    for head, query in itertools.product(HEADS, QUERIES):
        url = head + query
        assert canonical_url(url, base) == by_the_book(url, base), (url, base)
        # Asked again (the joined head is cached per base): the same answer.
        assert canonical_url(url, base) == by_the_book(url, base), (url, base)


_URL_ALPHABET = st.sampled_from(list("aZ09._~-/?&=#;:%+ @[]한\t") + ["utm_", "page", "http://", "https://", "..", "//"])


@settings(max_examples=1500, deadline=None)
@given(url=st.lists(_URL_ALPHABET, max_size=14).map("".join), base=st.sampled_from(BASES))
def test_cheap_path_equals_by_the_book_on_arbitrary_links(url: str, base: str | None) -> None:
    assert canonical_url(url, base) == by_the_book(url, base)


def test_listing_links_share_one_join() -> None:
    """Every row of a listing links to the same script: its join is done once."""
    from watcher.urls import _canonical_head

    base = "https://board.example/bbs/list.do?pageIndex=3"
    _canonical_head.cache_clear()
    urls = [canonical_url(f"view.do?nttId={i}&pageIndex=3", base) for i in range(50)]
    assert urls[7] == "https://board.example/bbs/view.do?nttId=7"
    assert _canonical_head.cache_info().misses == 1
