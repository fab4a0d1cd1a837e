"""Unit level: the fetcher against httpx mocked with respx, charset decoding, URL identity."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from watcher.errors import (
    ConnectFetchError,
    HTTPStatusFetchError,
    RedirectFetchError,
    TimeoutFetchError,
    TooLargeFetchError,
)
from watcher.fetch import USER_AGENT, Fetcher, FetchLimits, FetchRequest, decode_body
from watcher.urls import canonical_url

URL = "https://gov.example.org/feed.xml"
LM = "Mon, 02 Nov 2026 08:00:00 GMT"


@pytest.fixture
def router():
    with respx.mock(assert_all_called=False) as r:
        yield r


def fetch(req: FetchRequest, limits: FetchLimits | None = None):
    with Fetcher(limits) as f:
        return f.fetch(req)


# -- conditional GET ---------------------------------------------------------------------


def test_sends_conditional_headers_and_reports_304(router) -> None:
    route = router.get(URL).mock(return_value=httpx.Response(304, headers={"ETag": '"v1"'}))
    result = fetch(FetchRequest("s", URL, etag='"v1"', last_modified=LM, body_hash="abc"))
    sent = route.calls.last.request.headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == LM
    assert sent["User-Agent"] == USER_AGENT and "watcher/" in USER_AGENT
    assert "gzip" in sent["Accept-Encoding"]
    assert result.error is None and result.not_modified and not result.has_new_body
    assert result.status == 304 and result.etag == '"v1"' and result.last_modified == LM
    assert result.body is None


def test_no_conditional_headers_without_validators(router) -> None:
    route = router.get(URL).mock(return_value=httpx.Response(200, content=b"<rss/>", headers={"ETag": '"new"'}))
    result = fetch(FetchRequest("s", URL))
    sent = route.calls.last.request.headers
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent
    assert result.has_new_body and result.body == b"<rss/>" and result.etag == '"new"'
    assert result.body_hash == hashlib.sha256(b"<rss/>").hexdigest()


def test_same_body_hash_is_unchanged(router) -> None:
    body = b"<rss><channel/></rss>"
    router.get(URL).mock(return_value=httpx.Response(200, content=body))
    result = fetch(FetchRequest("s", URL, body_hash=hashlib.sha256(body).hexdigest()))
    assert result.unchanged and not result.not_modified and not result.has_new_body
    assert result.body is None


def test_extra_request_headers_are_sent(router) -> None:
    route = router.get(URL).mock(return_value=httpx.Response(200, content=b"x"))
    fetch(FetchRequest("s", URL, headers={"Referer": "https://gov.example.org/"}))
    assert route.calls.last.request.headers["Referer"] == "https://gov.example.org/"


def test_gzip_body_is_decompressed(router) -> None:
    body = b"<rss>" + b"a" * 5000 + b"</rss>"
    router.get(URL).mock(return_value=httpx.Response(200, content=gzip.compress(body), headers={"Content-Encoding": "gzip"}))
    result = fetch(FetchRequest("s", URL))
    assert result.body == body


# -- redirects ---------------------------------------------------------------------------------


def test_relative_redirect_followed(router) -> None:
    router.get(URL).mock(return_value=httpx.Response(301, headers={"Location": "/moved/feed.xml"}))
    router.get("https://gov.example.org/moved/feed.xml").mock(return_value=httpx.Response(200, content=b"<rss/>"))
    result = fetch(FetchRequest("s", URL))
    assert result.error is None and result.body == b"<rss/>"
    assert result.final_url == "https://gov.example.org/moved/feed.xml"


@pytest.mark.parametrize("target", ["ftp://gov.example.org/feed.xml", "file:///etc/passwd"])
def test_redirect_to_other_scheme_refused(router, target: str) -> None:
    router.get(URL).mock(return_value=httpx.Response(302, headers={"Location": target}))
    result = fetch(FetchRequest("s", URL))
    assert isinstance(result.error, RedirectFetchError)
    assert "refused redirect" in str(result.error) and target.split(":")[0] in str(result.error)
    assert result.body is None


def test_redirect_to_unparsable_url_is_an_error(router) -> None:
    # httpx itself rejects this Location (InvalidURL) before watcher sees it; still a recorded failure.
    router.get(URL).mock(return_value=httpx.Response(302, headers={"Location": "javascript:alert(1)"}))
    result = fetch(FetchRequest("s", URL))
    assert result.error is not None and result.body is None


def test_redirect_loop_stops(router) -> None:
    a = router.get("https://gov.example.org/a").mock(return_value=httpx.Response(302, headers={"Location": "/b"}))
    b = router.get("https://gov.example.org/b").mock(return_value=httpx.Response(302, headers={"Location": "/a"}))
    result = fetch(FetchRequest("s", "https://gov.example.org/a"), FetchLimits(max_redirects=5))
    assert isinstance(result.error, RedirectFetchError)
    assert "more than 5 redirects" in str(result.error)
    assert a.call_count + b.call_count == 6


# -- size cap ----------------------------------------------------------------------------------


def test_declared_body_over_max_bytes_refused(router) -> None:
    router.get(URL).mock(return_value=httpx.Response(200, content=b"x" * 5000))
    result = fetch(FetchRequest("s", URL), FetchLimits(max_bytes=1000))
    assert isinstance(result.error, TooLargeFetchError) and "1,000-byte limit" in str(result.error)
    assert result.body is None


def test_streamed_body_over_max_bytes_refused(router) -> None:
    def chunks():
        for _ in range(50):
            yield b"y" * 100

    router.get(URL).mock(return_value=httpx.Response(200, stream=httpx.ByteStream(b"".join(chunks()))))
    result = fetch(FetchRequest("s", URL), FetchLimits(max_bytes=1000))
    assert isinstance(result.error, TooLargeFetchError)


def test_gzip_bomb_stopped_by_inflated_size(router) -> None:
    bomb = gzip.compress(b"\0" * 2_000_000)
    assert len(bomb) < 10_000
    router.get(URL).mock(return_value=httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"}))
    result = fetch(FetchRequest("s", URL), FetchLimits(max_bytes=100_000))
    assert isinstance(result.error, TooLargeFetchError)


def test_body_at_max_bytes_accepted(router) -> None:
    router.get(URL).mock(return_value=httpx.Response(200, content=b"z" * 1000))
    assert fetch(FetchRequest("s", URL), FetchLimits(max_bytes=1000)).body == b"z" * 1000


# -- errors and server hints ---------------------------------------------------------------------


def test_retry_after_seconds(router) -> None:
    router.get(URL).mock(return_value=httpx.Response(503, headers={"Retry-After": "120"}))
    result = fetch(FetchRequest("s", URL))
    assert isinstance(result.error, HTTPStatusFetchError)
    assert result.error.status == 503 and "HTTP 503" in str(result.error)
    assert result.retry_after == 120.0


def test_retry_after_http_date(router) -> None:
    when = datetime.now(UTC) + timedelta(hours=1)
    router.get(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": format_datetime(when, usegmt=True)}))
    result = fetch(FetchRequest("s", URL))
    assert result.error is not None and result.error.status == 429
    assert 3500 <= result.retry_after <= 3601


def test_retry_after_garbage_ignored(router) -> None:
    router.get(URL).mock(return_value=httpx.Response(503, headers={"Retry-After": "soon"}))
    assert fetch(FetchRequest("s", URL)).retry_after is None


def test_cache_control_max_age(router) -> None:
    router.get(URL).mock(return_value=httpx.Response(200, content=b"x", headers={"Cache-Control": "public, max-age=600"}))
    assert fetch(FetchRequest("s", URL)).max_age == 600.0


def test_timeout_and_connect_errors(router) -> None:
    router.get(URL).mock(side_effect=httpx.ReadTimeout("slow"))
    router.get("https://down.example.org/feed.xml").mock(side_effect=httpx.ConnectError("Name or service not known"))
    result = fetch(FetchRequest("s", URL, timeout=3))
    assert isinstance(result.error, TimeoutFetchError) and "3s" in str(result.error)
    result = fetch(FetchRequest("s", "https://down.example.org/feed.xml"))
    assert isinstance(result.error, ConnectFetchError) and "Name or service not known" in str(result.error)


def test_fetch_all_yields_every_request(router) -> None:
    for i in range(10):
        host = f"h{i % 3}.example.org"
        status = 404 if i == 4 else 200
        router.get(f"https://{host}/{i}.xml").mock(return_value=httpx.Response(status, content=f"body {i}".encode()))
    reqs = [FetchRequest(f"s{i}", f"https://h{i % 3}.example.org/{i}.xml") for i in range(10)]
    with Fetcher(FetchLimits(max_concurrency=4, per_host=2)) as f:
        results = {r.source_id: r for r in f.fetch_all(reqs)}
    assert set(results) == {f"s{i}" for i in range(10)}
    assert results["s4"].error is not None and results["s4"].error.status == 404
    assert results["s7"].body == b"body 7"
    with Fetcher() as f:
        assert list(f.fetch_all([])) == []


# -- decode_body ---------------------------------------------------------------------------------

KO = "인공지능 기본법 시행령 제정안 입법예고. 과학기술정보통신부는 고영향 인공지능의 판단 기준을 공개했다."
ZH_TW = "國家科學及技術委員會預告人工智慧基本法草案，徵詢各界意見，並發布資料治理指引。"
ZH_CN = "国家互联网信息办公室发布生成式人工智能服务管理暂行办法征求意见稿，公开征求意见。"
JA = "内閣府は人工知能関連技術の研究開発及び活用の推進に関する法律の基本計画案を公表した。"


def xml(text: str, encoding: str | None) -> str:
    decl = f'<?xml version="1.0" encoding="{encoding}"?>' if encoding else '<?xml version="1.0"?>'
    return f"{decl}\n<rss version=\"2.0\"><channel><title>{text}</title></channel></rss>\n"


@pytest.mark.parametrize(("text", "codec", "label"), [
    (KO, "euc-kr", "euc-kr"), (ZH_TW, "big5", "big5"), (ZH_CN, "gb2312", "gb2312"), (JA, "shift_jis", "shift_jis"),
])
def test_decode_by_xml_declaration(text: str, codec: str, label: str) -> None:
    doc = xml(text, label)
    decoded, _ = decode_body(doc.encode(codec), "application/rss+xml")
    assert decoded == doc


@pytest.mark.parametrize(("text", "codec"), [(KO, "euc-kr"), (ZH_TW, "big5"), (ZH_CN, "gb2312"), (JA, "shift_jis")])
def test_decode_by_http_header(text: str, codec: str) -> None:
    doc = xml(text, None)
    decoded, _ = decode_body(doc.encode(codec), f"text/xml; charset={codec.upper()}")
    assert decoded == doc


@pytest.mark.parametrize(("text", "codec"), [(KO, "euc-kr"), (ZH_TW, "big5"), (ZH_CN, "gb2312"), (JA, "shift_jis")])
def test_decode_by_detection(text: str, codec: str) -> None:
    doc = xml(text * 4, None)
    decoded, _ = decode_body(doc.encode(codec), "application/xml")
    assert decoded == doc


def test_header_beats_declaration() -> None:
    doc = xml(KO, "iso-8859-5")  # declaration wrong, header right
    decoded, codec = decode_body(doc.encode("euc-kr"), "application/rss+xml; charset=euc-kr")
    assert decoded == doc and codec == "cp949"


def test_lying_header_utf8_body_euc_kr() -> None:
    doc = xml(KO, "euc-kr")
    decoded, codec = decode_body(doc.encode("euc-kr"), "application/rss+xml; charset=utf-8")
    assert decoded == doc and codec == "cp949"


def test_weak_latin1_header_loses_to_declaration() -> None:
    doc = xml(ZH_TW, "big5")
    decoded, _ = decode_body(doc.encode("big5"), "text/xml; charset=ISO-8859-1")
    assert decoded == doc


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec: str) -> None:
    doc = xml(KO + ZH_TW, "utf-16")
    raw = doc.encode(codec)
    if codec != "utf-16":
        raw = ("\ufeff" + doc).encode(codec)
    decoded, _ = decode_body(raw, "text/xml; charset=iso-8859-1")
    assert decoded.lstrip("\ufeff") == doc


def test_utf8_bom_and_override() -> None:
    doc = xml(JA, "utf-8")
    assert decode_body(b"\xef\xbb\xbf" + doc.encode(), None)[0] == doc
    # the source's `encoding` override wins over header and declaration
    korean = xml(KO, "utf-8").encode("euc-kr")
    assert decode_body(korean, "text/xml; charset=utf-8", override="euc-kr")[0] == xml(KO, "utf-8")


def test_undecodable_bytes_never_raise() -> None:
    text, codec = decode_body(bytes(range(256)) * 4, "text/xml; charset=bogus-charset")
    assert isinstance(text, str) and codec


@given(st.binary(max_size=300), st.sampled_from([None, "text/xml", "text/xml; charset=utf-8", "text/xml; charset=nope",
                                                  "text/xml; charset=euc-kr", "text/xml; charset=utf-16"]))
def test_decode_body_total(body: bytes, content_type: str | None) -> None:
    text, codec = decode_body(body, content_type)
    assert isinstance(text, str) and isinstance(codec, str)


# -- canonical_url -------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    ("https://gov.example.org/view.do?no=12&utm_source=rss&utm_medium=feed#top", "https://gov.example.org/view.do?no=12"),
    ("https://gov.example.org/list.do?bbsId=7&pageIndex=3&nttId=99", "https://gov.example.org/list.do?bbsId=7&nttId=99"),
    ("https://gov.example.org/a?page=2&pageNo=4&currentPage=5&id=1", "https://gov.example.org/a?id=1"),
    ("HTTPS://Gov.Example.ORG:443/a?fbclid=xyz", "https://gov.example.org/a"),
    ("http://gov.example.org:80", "http://gov.example.org/"),
    ("http://gov.example.org:8080/x", "http://gov.example.org:8080/x"),
])
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_relative_and_same_identity() -> None:
    base = "https://gov.example.org/news/list.do?page=2"
    assert canonical_url("view.do?id=5&utm_campaign=x", base) == "https://gov.example.org/news/view.do?id=5"
    assert canonical_url("/press/1#comments", base) == "https://gov.example.org/press/1"
    a = canonical_url("https://gov.example.org/v?id=5&pageIndex=1")
    b = canonical_url("https://gov.example.org/v?pageIndex=9&id=5#x")
    assert a == b


def test_loopback_bypasses_environment_proxy(server, monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy set in the environment (common behind corporate firewalls) cannot reach
    127.0.0.1 or localhost: the demo and local sources must not be sent through it."""
    from conftest import closed_port, feed_route

    dead = f"http://127.0.0.1:{closed_port()}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, dead)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    server.set("/p.xml", feed_route(b"<rss/>"))
    port = server.base_url.rsplit(":", 1)[1]
    with Fetcher() as f:
        for url in (server.url("/p.xml"), f"http://localhost:{port}/p.xml"):
            result = f.fetch(FetchRequest("s", url))
            assert result.error is None and result.body == b"<rss/>", result.error


@pytest.mark.parametrize("codec", ["utf-32-be", "utf-32-le"])
def test_utf32_without_bom_by_its_first_bytes(codec: str) -> None:
    doc = xml(KO, codec.replace("-be", "").replace("-le", ""))
    decoded, _ = decode_body(doc.encode(codec), "application/xml")
    assert decoded == doc


# -- concurrency and proxies against a real local server -----------------------------------


@pytest.mark.parametrize(("delay", "expected_peak"), [(0.0, 1), (0.6, 2)])
def test_second_connection_only_for_a_slow_host(
    server, monkeypatch: pytest.MonkeyPatch, delay: float, expected_peak: int
) -> None:
    """One worker drains a fast host (a second would only contend for the GIL); a host
    whose answers are slow gets a second connection, never more than `per_host`."""
    from watcher import fetch
    from watcher.demo.server import Route

    # The server answers from this process: on a loaded machine an instant answer can
    # keep the worker waiting for the GIL past the real 10 ms threshold (seen in CI).
    # The rule under test is the same at any threshold; 0.3 s is far from both delays.
    monkeypatch.setattr(fetch, "_WAITING", 0.3)

    for i in range(8):
        server.set(f"/{i}.xml", Route(f"<rss>{i}</rss>".encode(), delay=delay))
    reqs = [FetchRequest(f"s{i}", server.url(f"/{i}.xml")) for i in range(8)]
    with Fetcher(FetchLimits(per_host=2)) as f:
        results = list(f.fetch_all(reqs))
    assert sorted(r.source_id for r in results) == sorted(r.source_id for r in reqs)
    assert all(r.error is None for r in results)
    assert server.peak_in_flight == expected_peak


def test_environment_proxy_used_for_other_hosts(server, monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a corporate proxy (HTTP_PROXY), a remote source is requested through it:
    the proxy receives the absolute URL. NO_PROXY exempts a host."""
    from watcher.demo.server import Route

    remote = "http://gov.example.org/feed.xml"
    server.set(remote, Route(b"<rss>via proxy</rss>"))
    monkeypatch.setenv("HTTP_PROXY", server.base_url)
    monkeypatch.setenv("http_proxy", server.base_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with Fetcher() as f:
        result = f.fetch(FetchRequest("s", remote))
    assert result.error is None and result.body == b"<rss>via proxy</rss>", result.error
    assert [r.path for r in server.requests] == [remote]
    monkeypatch.setenv("NO_PROXY", "gov.example.org")
    monkeypatch.setenv("no_proxy", "gov.example.org")
    with Fetcher() as f:
        result = f.fetch(FetchRequest("s", remote))
    # Not through the proxy: a direct connection to a host outside 127.0.0.1, which
    # the test suite's network guard refuses.
    assert result.error is not None and len(server.requests) == 1


def test_fetched_bodies_wait_for_a_slow_consumer() -> None:
    """Bodies fetched faster than they are parsed do not pile up in memory: a
    producer waits while the bodies not yet taken exceed the budget."""
    import threading
    import time

    from watcher.fetch import FetchResult, _Batches

    batches = _Batches(batch=64, max_wait=0.01, max_bytes=4_000_000)
    put = 0

    def produce() -> None:
        nonlocal put
        for i in range(20):
            batches.put(FetchResult(source_id=f"s{i}", url="http://x/", body=b"x" * 1_000_000))
            put += 1

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    time.sleep(0.3)
    assert put == 4  # the fifth megabyte waits for the consumer
    taken = []
    while len(taken) < 20:
        got = batches.take()
        assert sum(len(r.body or b"") for r in got) <= 4_000_000
        taken += got
    producer.join(2)
    assert [r.source_id for r in taken] == [f"s{i}" for i in range(20)]
    batches.close()


# -- TLS -------------------------------------------------------------------------------------


@pytest.fixture
def self_signed_https(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate: (its URL, the certificate)."""
    import http.server
    import ssl
    import threading

    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-subj", "/CN=127.0.0.1", "-days", "1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)

    class Feed(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"<rss/>")

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}/feed.xml", cert
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_https_certificates_are_verified(self_signed_https: tuple[str, Path], server) -> None:
    """Every https pool shares one TLS context (the CA bundle is loaded once) and it
    verifies: a self-signed server is refused, asked directly or through a redirect
    from an http:// source (whose own pool's context trusts nothing at all)."""
    import ssl
    import urllib.request

    from watcher.demo.server import Route

    url, cert = self_signed_https
    # The server itself answers whoever trusts its certificate...
    trusting = ssl.create_default_context(cafile=str(cert))
    assert urllib.request.urlopen(url, context=trusting, timeout=10).read() == b"<rss/>"  # noqa: S310
    # ... and watcher does not.
    server.set("/moved.xml", Route(b"", status=301, headers={"Location": url}))
    with Fetcher() as f:
        for start in (url, server.url("/moved.xml")):
            # private_redirects: the redirect goes to another origin on loopback, refused otherwise.
            result = f.fetch(FetchRequest("s", start, timeout=10, private_redirects=True))
            assert result.error is not None and result.body is None
            assert "CERTIFICATE_VERIFY_FAILED" in str(result.error), result.error
