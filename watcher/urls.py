"""URL canonicalisation: the identity of a linked item (SPEC.md, page-list)."""

from __future__ import annotations

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
    try:
        # An absolute http(s) link needs no joining (urljoin would re-parse it for nothing).
        absolute = urljoin(base, url) if base and not url.lower().startswith(("http://", "https://")) else url
        parts = urlsplit(absolute)
    except ValueError:
        return url
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _DROP_EXACT
    ] if parts.query else []
    netloc = parts.netloc.lower()
    if parts.scheme == "http" and netloc.endswith(":80") or parts.scheme == "https" and netloc.endswith(":443"):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def is_web_url(url: str | None) -> bool:
    """True for http(s) URLs: the only links watcher renders or follows."""
    return bool(url) and url.lower().startswith(("http://", "https://"))
