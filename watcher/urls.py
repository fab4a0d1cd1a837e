"""URL canonicalisation: the identity of a linked item (SPEC.md, page-list)."""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Parameters that track the reader or the listing's page rather than name the document.
_DROP_EXACT = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "ref_src",
     "page", "pageindex", "pageno", "currentpage", "pagenum", "page_no", "cpage"}
)


# A session id in a link's path (Java boards: view.do;jsessionid=A1B2.node1?no=3)
# changes on every visit; it is not part of the document's identity.
_PATH_SESSION = re.compile(r";\s*(?:jsessionid|phpsessid|sessionid|sid)=[^?#/]*", re.I)


def canonical_url(url: str, base: str | None = None) -> str:
    """`url` made absolute against `base`, without fragment, path session ids
    (;jsessionid=), tracking (utm_*, fbclid...) or paging (page, pageIndex, pageNo,
    currentPage) parameters; scheme and host lower-cased.
    Returns the input unchanged if it cannot be parsed."""
    url = _PATH_SESSION.sub("", url.strip()) if ";" in url else url.strip()
    head, _, query = url.partition("?")
    if head and "#" not in url and (not query or _PLAIN_QUERY.fullmatch(query)):
        # The common link, "view.do?nttId=12&pageIndex=1" or an absolute one, the same
        # as below but cheaper: the part before "?" is joined and canonicalised once per
        # listing (every row's link shares it), and a query of plain name=value pairs
        # needs no decoding. (A "#" takes the long way: before a "?" it makes the query
        # part of the fragment.) tests/test_urls.py holds the two ways equal.
        if base and not head.lower().startswith(("http://", "https://")):
            canonical_head = _canonical_head(base, head)
        else:
            canonical_head = head if _PLAIN_ABSOLUTE.fullmatch(head) else _canonical(head, None)
        if canonical_head is None:
            return url
        kept = [pair for pair in query.split("&") if _keeps(pair.partition("=")[0])] if query else ()
        return f"{canonical_head}?{'&'.join(kept)}" if kept else canonical_head
    canonical = _canonical(url, base)
    return url if canonical is None else canonical


# A query of name=value pairs in characters that parse_qsl leaves as they are and
# urlencode does not quote: _canonical would give them back unchanged.
_PLAIN_QUERY = re.compile(r"[\w.~-]+=[\w.~-]*(?:&[\w.~-]+=[\w.~-]*)*", re.ASCII)
# An absolute link that is already canonical: lower-case http(s), host without a port,
# a path, nothing urlsplit would drop or change.
_PLAIN_ABSOLUTE = re.compile(r"https?://[a-z0-9.-]+/[^?#\s\x00-\x1f\x7f]*")


def _keeps(name: str) -> bool:
    name = name.lower()
    return not name.startswith("utm_") and name not in _DROP_EXACT


@functools.lru_cache(maxsize=256)
def _canonical_head(base: str, head: str) -> str | None:
    return _canonical(head, base)


def _canonical(url: str, base: str | None) -> str | None:
    """canonical_url by the book (urljoin, urlsplit, parse_qsl, urlencode, urlunsplit);
    None when `url` cannot be parsed."""
    try:
        # An absolute http(s) link needs no joining (urljoin would re-parse it for nothing).
        absolute = urljoin(base, url) if base and not url.lower().startswith(("http://", "https://")) else url
        parts = urlsplit(absolute)
    except ValueError:
        return None
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if _keeps(k)
    ] if parts.query else []
    netloc = parts.netloc.lower()
    if parts.scheme == "http" and netloc.endswith(":80") or parts.scheme == "https" and netloc.endswith(":443"):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def is_web_url(url: str | None) -> bool:
    """True for http(s) URLs: the only links watcher renders or follows."""
    return url is not None and url.lower().startswith(("http://", "https://"))
