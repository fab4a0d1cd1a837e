"""Receivers for the delivery tests, all on 127.0.0.1: a real SMTP server
(aiosmtpd) that collects what arrives, and a threaded HTTP server that accepts
POSTs (Slack, webhooks, Apprise's json://), records each body and answers with
scripted statuses. Plus feed items the classifier reads unambiguously and
small store helpers."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import backends

# -- feed items -----------------------------------------------------------------------

COLORADO = {"guid": "co-delay", "title": "Colorado delays its artificial intelligence act to June 30, 2026",
            "description": "The Colorado General Assembly passed a bill delaying the effective date of the "
                           "Colorado AI Act (SB 24-205) to June 30, 2026.",
            "link": "http://127.0.0.1/us/colorado-delay"}
KOREA = {"guid": "kr-decree", "title": "인공지능 기본법 시행령 공포",
         "description": "정부는 인공지능 발전과 신뢰 기반 조성 등에 관한 기본법 시행령을 공포하였다. "
                        "시행령은 2026년 1월 22일부터 시행된다.",
         "link": "http://127.0.0.1/kr/decree"}
BROADBAND = {"guid": "us-broadband", "title": "FCC adopts rules for rural broadband deployment",
             "description": "The Federal Communications Commission adopted rules to expand broadband "
                            "deployment in rural areas.",
             "link": "http://127.0.0.1/us/broadband"}
SCRIPT_TITLE = "EU AI Act: Commission publishes guidelines on prohibited AI practices <script>alert(1)</script>"
# Feed titles are HTML to feed readers (feedparser strips tags from them): a title that *says*
# "<script>" is written escaped in the feed, and stored as SCRIPT_TITLE.
EU_SCRIPT = {"guid": "eu-script", "title": SCRIPT_TITLE.replace("<", "&lt;").replace(">", "&gt;"),
             "description": "The European Commission published guidelines on prohibited artificial "
                            "intelligence practices under the AI Act & its annexes.",
             "link": "http://127.0.0.1/eu/guidelines?a=1&b=2"}
JS_LINK = {"guid": "eu-js", "title": "European Commission opens consultation on the AI Act code of practice",
           "description": "The Commission invites comments on the general-purpose AI code of practice under "
                          "the AI Act.",
           "link": "javascript:alert(document.cookie)"}
# Relevant items already in the feed at its first poll: the baseline, never sent.
BASELINE = [{"guid": "eu-baseline", "title": "EU AI Act enters into force",
             "description": "The Artificial Intelligence Act (Regulation (EU) 2024/1689) entered into force.",
             "link": "http://127.0.0.1/eu/baseline"},
            {"guid": "co-baseline", "title": "Colorado governor signs the Colorado artificial intelligence act",
             "description": "Colorado enacted SB 24-205 on artificial intelligence.",
             "link": "http://127.0.0.1/us/baseline"}]


# -- SMTP ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 collecting messages.
    With `auth=(user, password)` it requires AUTH (LOGIN/PLAIN, no TLS: test only)."""

    def __init__(self, port: int | None = None, auth: tuple[str, str] | None = None):
        self.port = port or free_port()
        self.auth = auth
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[tuple[str, str, bool]] = []  # (user, password, accepted)
        self._controller: Any = None

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                data = envelope.original_content or envelope.content
                data = data if isinstance(data, bytes) else data.encode()
                sink.raw.append(data)
                sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                sink.messages.append(email.message_from_bytes(data, policy=email.policy.default))
                return "250 OK"

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
            if not isinstance(auth_data, LoginPassword) or sink.auth is None:
                return AuthResult(success=False, handled=False)
            user, password = auth_data.login.decode(), auth_data.password.decode()
            ok = (user, password) == sink.auth
            sink.logins.append((user, password, ok))
            return AuthResult(success=ok, handled=False)

        kwargs: dict[str, Any] = {}
        if self.auth:
            kwargs = {"authenticator": authenticator, "auth_required": True, "auth_require_tls": False}
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, ready_timeout=5, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def parts(message: EmailMessage) -> dict[str, str]:
    """The text/plain and text/html parts of a multipart/alternative message, decoded."""
    assert message.get_content_type() == "multipart/alternative", message.get_content_type()
    out = {}
    for part in message.iter_parts():
        out[part.get_content_type()] = part.get_content()
    return out


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction") and value is not None:
                self.hrefs.append(value)


def html_links(html: str) -> tuple[list[str], list[str]]:
    """(every href/src of `html`, unescaped as a browser would; every start tag)."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    return parser.hrefs, parser.tags


# -- HTTP receiver ------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Post:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    status: int  # what the receiver answered

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


class Receiver:
    """A threaded HTTP server on 127.0.0.1 taking POSTs. `script(path, Reply(...), ...)`
    queues answers for the next requests on `path`; after those it answers 200 "ok"."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self._script: dict[str, deque[Reply]] = {}
        self._lock = threading.Lock()
        self.got_request = threading.Event()
        receiver = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                receiver._serve(self)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="receiver", daemon=True)

    def url(self, path: str = "/") -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def script(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self._script.setdefault(path, deque()).extend(replies)

    def accepted(self, path: str | None = None) -> list[Post]:
        return [p for p in self.posts if p.accepted and (path is None or p.path == path)]

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        with self._lock:
            queue = self._script.get(request.path)
            reply = queue.popleft() if queue else Reply()
        self.got_request.set()
        if reply.delay:
            time.sleep(reply.delay)
        with self._lock:
            self.posts.append(Post(request.path, {k.lower(): v for k, v in request.headers.items()}, body,
                                   reply.status))
        request.send_response(reply.status)
        request.send_header("Content-Type", "text/plain")
        request.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(reply.body)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


# -- store ---------------------------------------------------------------------------------------


def sql(db: Path, statement: str, *args: Any) -> list[tuple[Any, ...]]:
    """Run one SQL statement on the test's store (e.g. to make a backed-off retry due now)."""
    return backends.sql(db, statement, *args)


def make_due(db: Path) -> None:
    """What moving the clock past every backoff would do: every pending retry is due now."""
    sql(db, "UPDATE deliveries SET next_attempt_at = NULL WHERE status = 'pending'")
    sql(db, "UPDATE digests SET next_attempt_at = NULL WHERE status = 'pending'")
