"""A raw, hostile HTTP server on 127.0.0.1 for the fault suite (issue 7).

Unlike `LocalServer` (a polite static server), this one writes the bytes of each
answer by hand, so it can misbehave in the ways the open web does: drip a
response byte by byte, never answer, send an endless body or a gzip bomb
(generated on the fly: gigabytes of zeros inflate from a few megabytes on the
wire, and nothing of that size is ever held in memory), lie about its length,
redirect in a loop or to `file:`/`ftp:`, send bytes that are not what their
charset says, HTML where a feed belongs, a 100,000-entry feed (streamed), an
entry built to attack a digest, reset the connection mid-body, or answer with
an error status with or without Retry-After.

`HostileServer.PATHS` maps each path to its behaviour; `url(path)` gives its
address. Every handler thread ends when the client goes away or `stop()` is
called, so a test never leaves a thread dripping bytes behind it.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

SLOW_BYTE_INTERVAL = 0.25  # seconds between two bytes of a dripped answer
BOMB_UNPACKED = 8 * 1024**3  # what the gzip bomb would inflate to if read to the end (8 GiB)
HUGE_FEED_ENTRIES = 100_000
BIG_TEXT = 1024 * 1024  # the hostile entry's description, in characters

SCRIPT = "<script>alert('xss')</script>"
EVIL_TITLE = f"EU AI Act: artificial intelligence rules {SCRIPT} <img src=x onerror=alert(2)>"
JS_LINK = "javascript:alert(document.cookie)"


def _rss(items_xml: str, encoding: str = "utf-8") -> str:
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
            "<title>Hostile</title><link>http://127.0.0.1/</link><description>x</description>\n"
            f"{items_xml}</channel></rss>\n")


def _item(guid: str, title: str, link: str = "", description: str = "") -> str:
    from xml.sax.saxutils import escape

    return (f"<item><guid isPermaLink=\"false\">{escape(guid)}</guid><title>{escape(title)}</title>"
            + (f"<link>{escape(link)}</link>" if link else "")
            + f"<description>{escape(description)}</description>"
            "<pubDate>Mon, 02 Nov 2026 09:00:00 GMT</pubDate></item>\n")


def benign_feed(prefix: str, n: int = 3) -> bytes:
    return _rss("".join(_item(f"{prefix}-{i}", f"Bulletin {prefix} number {i}", f"http://127.0.0.1/{prefix}/{i}",
                              f"Routine notice {i}.") for i in range(1, n + 1))).encode()


def calm_feed() -> bytes:
    """What the evil source serves first (its baseline): the benign entry of `evil_feed`."""
    return _rss(_item("evil-0", "Bulletin evil number 0", "http://127.0.0.1/evil/0")).encode()


def evil_feed() -> bytes:
    """The benign entry plus the attack: a title that says <script> and <img onerror>, a raw
    <script> element in a CDATA title, javascript: and data: links, and 1 MB of text."""
    big = ("The European Commission published guidance on the AI Act. " * (BIG_TEXT // 59 + 1))[:BIG_TEXT]
    # Feed titles are HTML to readers: a title that *says* "<script>" is escaped twice in the XML.
    says = EVIL_TITLE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    items = _item("evil-1", says, JS_LINK, big + f" {SCRIPT} <a href=\"{JS_LINK}\">click</a>")
    items += ("<item><guid isPermaLink=\"false\">evil-2</guid>"
              f"<title><![CDATA[Artificial intelligence act guidance {SCRIPT}]]></title>"
              f"<link>  JavaScript:alert(1)</link>"
              f"<description><![CDATA[<p onclick=\"alert(3)\">AI Act consultation</p>{SCRIPT}"
              f"<a href=\"{JS_LINK}\">x</a>]]></description></item>\n")
    items += ("<item><guid isPermaLink=\"false\">evil-3</guid>"
              "<title>Artificial intelligence act: data URL entry</title>"
              "<link>data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==</link>"
              "<description>AI Act text</description></item>\n")
    return _rss(_item("evil-0", "Bulletin evil number 0", "http://127.0.0.1/evil/0") + items).encode()


class _Conn:
    """One accepted connection: the request read, and ways to answer it."""

    def __init__(self, sock: socket.socket, stop: threading.Event):
        self.sock = sock
        self.stop = stop
        self.path = ""
        self.query: dict[str, list[str]] = {}

    def read_request(self) -> bool:
        data = b""
        self.sock.settimeout(10)
        while b"\r\n\r\n" not in data:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return False
            if not chunk:
                return False
            data += chunk
            if len(data) > 65536:
                return False
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        if len(parts) < 2:
            return False
        target = urlsplit(parts[1])
        self.path, self.query = target.path, parse_qs(target.query)
        return True

    def send(self, data: bytes) -> bool:
        """False once the client has gone (or the server is stopping)."""
        if self.stop.is_set():
            return False
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def head(self, status: str, headers: dict[str, str] | list[tuple[str, str]]) -> bytes:
        pairs = headers.items() if isinstance(headers, dict) else headers
        return (f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n").encode("latin-1")

    def answer(self, status: str, body: bytes, content_type: str = "application/rss+xml",
               extra: dict[str, str] | None = None) -> None:
        headers = {"Content-Type": content_type, "Content-Length": str(len(body)), "Connection": "close",
                   **(extra or {})}
        self.send(self.head(status, headers) + body)

    def stream(self, status: str, chunks: Iterator[bytes], content_type: str = "application/rss+xml",
               extra: dict[str, str] | None = None) -> None:
        """A body of unknown length, delimited by closing the connection."""
        headers = {"Content-Type": content_type, "Connection": "close", **(extra or {})}
        if not self.send(self.head(status, headers)):
            return
        for chunk in chunks:
            if not self.send(chunk):
                return

    def drip(self, data: bytes, interval: float = SLOW_BYTE_INTERVAL) -> None:
        for i in range(len(data)):
            if not self.send(data[i:i + 1]) or self.stop.wait(interval):
                return

    def hang(self) -> None:
        """Never answer: wait until the client closes or the server stops."""
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                if self.sock.recv(1024) == b"":
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    def reset(self) -> None:
        """Close with RST instead of FIN (SO_LINGER 0): 'connection reset by peer'."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


# -- behaviours ----------------------------------------------------------------------------


def _slow_headers(c: _Conn) -> None:
    body = benign_feed("slow")
    c.drip(c.head("200 OK", {"Content-Type": "application/rss+xml", "Content-Length": str(len(body))}) + body)


def _slow_body(c: _Conn) -> None:
    body = benign_feed("slowbody")
    if c.send(c.head("200 OK", {"Content-Type": "application/rss+xml", "Content-Length": str(len(body))})):
        c.drip(body)


def _endless(c: _Conn) -> None:
    def chunks() -> Iterator[bytes]:
        yield _rss("").encode()[:-len("</channel></rss>\n")]
        filler = b"<!-- endless -->" * 4096
        while True:
            yield filler

    c.stream("200 OK", chunks())


def _gzip_bomb(c: _Conn) -> None:
    def chunks() -> Iterator[bytes]:
        z = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip wrapper
        yield z.compress(b'<?xml version="1.0"?><rss version="2.0"><channel><title>bomb</title>')
        zeros = bytes(1024 * 1024)
        for _ in range(BOMB_UNPACKED // len(zeros)):
            out = z.compress(zeros)
            if out:
                yield out
        yield z.flush()

    c.stream("200 OK", chunks(), extra={"Content-Encoding": "gzip"})


def _huge_length(c: _Conn) -> None:
    c.send(c.head("200 OK", {"Content-Type": "application/rss+xml", "Content-Length": "1000000000"})
           + b'<?xml version="1.0"?><rss')


def _redirect(location: str, status: str = "302 Found") -> Callable[[_Conn], None]:
    def handler(c: _Conn) -> None:
        c.answer(status, b"", "text/plain", {"Location": location})
    return handler


def _bad_utf8(c: _Conn) -> None:
    # Declared UTF-8 everywhere, written in windows-1252, with stray bytes no codec likes.
    xml = _rss(_item("utf8-1", "Comité européen de l’intelligence artificielle", "http://127.0.0.1/u/1",
                     "Réunion – « IA »"), encoding="utf-8")
    body = xml.encode("cp1252").replace(b"R\xe9union", b"R\xe9union \xff\xfe\xc3\x28")
    c.answer("200 OK", body, "application/rss+xml; charset=utf-8")


def _wrong_charset(c: _Conn) -> None:
    # The header says ISO-8859-1 (a server default); the bytes are UTF-8 Korean, as the XML says.
    xml = _rss(_item("kr-1", "인공지능 기본법 시행령 공포", "http://127.0.0.1/k/1", "시행령은 공포되었다."))
    c.answer("200 OK", xml.encode("utf-8"), "application/rss+xml; charset=iso-8859-1")


def _unknown_charset(c: _Conn) -> None:
    xml = _rss(_item("jp-1", "人工知能関連技術の研究開発", "http://127.0.0.1/j/1", "内閣府"), encoding="x-klingon")
    c.answer("200 OK", xml.encode("utf-8"), "application/rss+xml; charset=x-klingon-8")


def _html(c: _Conn) -> None:
    page = ("<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>Ministry</h1>"
            "<p>Our news moved.</p><a href='/news'>News</a></body></html>")
    c.answer("200 OK", page.encode(), "text/html; charset=utf-8")


def _huge_feed(c: _Conn) -> None:
    def chunks() -> Iterator[bytes]:
        yield _rss("").encode()[:-len("</channel></rss>\n")]
        batch = []
        for i in range(HUGE_FEED_ENTRIES):
            batch.append(f'<item><guid isPermaLink="false">h{i}</guid><title>Entry {i}</title></item>\n')
            if len(batch) == 1000:
                yield "".join(batch).encode()
                batch = []
        yield ("".join(batch) + "</channel></rss>\n").encode()

    c.stream("200 OK", chunks())


def _reset(c: _Conn) -> None:
    body = benign_feed("reset", 50)
    c.send(c.head("200 OK", {"Content-Type": "application/rss+xml", "Content-Length": str(len(body))})
           + body[: len(body) // 3])
    time.sleep(0.05)
    c.reset()


def _empty(c: _Conn) -> None:
    c.answer("200 OK", b"")


def _status(c: _Conn) -> None:
    code = int(c.path.rsplit("/", 1)[1])
    reason = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 410: "Gone", 429: "Too Many Requests",
              500: "Internal Server Error", 503: "Service Unavailable"}.get(code, "Error")
    extra = {}
    if "retry" in c.query:
        value = c.query["retry"][0]
        if value == "date":  # the HTTP-date form, two hours ahead
            value = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
        extra["Retry-After"] = value
    c.answer(f"{code} {reason}", f"<html><body>{code} {reason}</body></html>".encode(), "text/html", extra)


class HostileServer:
    """`with HostileServer() as hs: hs.url("/gzip-bomb")`. `served` counts requests per path.
    `set_feed(path, body)` serves a (mutable) well-formed feed at `path`."""

    PATHS: dict[str, Callable[[_Conn], None]] = {
        "/slow-headers": _slow_headers,
        "/slow-body": _slow_body,
        "/never-answers": lambda c: c.hang(),
        "/endless": _endless,
        "/gzip-bomb": _gzip_bomb,
        "/huge-length": _huge_length,
        "/redirect-loop": _redirect("/redirect-loop"),
        "/redirect-pingpong-a": _redirect("/redirect-pingpong-b", "301 Moved Permanently"),
        "/redirect-pingpong-b": _redirect("/redirect-pingpong-a", "307 Temporary Redirect"),
        "/redirect-file": _redirect("file:///etc/passwd"),
        "/redirect-ftp": _redirect("ftp://127.0.0.1/feed.xml", "301 Moved Permanently"),
        "/bad-utf8": _bad_utf8,
        "/wrong-charset": _wrong_charset,
        "/unknown-charset": _unknown_charset,
        "/html-not-feed": _html,
        "/huge-feed": _huge_feed,
        "/reset": _reset,
        "/empty": _empty,
    }

    def __init__(self) -> None:
        self.stop_event = threading.Event()
        self.served: Counter[str] = Counter()
        self.feeds: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()
        hostile = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                hostile._handle(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 64

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="hostile-http", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def set_feed(self, path: str, body: bytes) -> None:
        with self._lock:
            self.feeds[path] = body

    def _handle(self, sock: socket.socket) -> None:
        with self._lock:
            self._threads.add(threading.current_thread())
        conn = _Conn(sock, self.stop_event)
        try:
            if not conn.read_request():
                return
            with self._lock:
                self.served[conn.path] += 1
                feed = self.feeds.get(conn.path)
            if feed is not None:
                conn.answer("200 OK", feed)
            elif conn.path.startswith("/status/"):
                _status(conn)
            elif conn.path in self.PATHS:
                self.PATHS[conn.path](conn)
            else:
                conn.answer("404 Not Found", b"no such path", "text/plain")
        except OSError:
            pass
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def stop(self, wait: float = 5.0) -> None:
        self.stop_event.set()
        self._server.shutdown()
        self._server.server_close()
        deadline = time.monotonic() + wait
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
