"""A small static HTTP server on 127.0.0.1, used by `watcher demo` and the tests.

It answers like a well-behaved static server (nginx): ETag and Last-Modified on
every response, 304 to a matching If-None-Match / If-Modified-Since. Routes can
be swapped while it runs. It records every request and the peak number of
requests in flight at once, which the tests use to check the fetcher's limits.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes
    content_type: str = "application/xml"
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    conditional: bool = True  # answer 304 to matching validators
    validators: bool = True  # send ETag and Last-Modified (False: a server that sends neither)


# A handler may also be a function taking the request handler and returning a Route.
Handler = Route | Callable[[BaseHTTPRequestHandler], Route]


@dataclass(frozen=True)
class RequestRecord:
    path: str
    headers: dict[str, str]
    status: int


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client may hang up without reading the body (watcher does on a 202 or an
        # oversized answer): that is no server error worth a traceback on stderr.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class LocalServer:
    """`with LocalServer() as srv: srv.set("/feed.xml", Route(b"..."))`; `srv.url("/feed.xml")`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.routes: dict[str, Handler] = {}
        self.requests: list[RequestRecord] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self._lock = threading.Lock()
        self._started = formatdate(time.time() - 3600, usegmt=True)
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm the body
            # waits for the client's delayed ACK of the headers: 40 ms per request.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802
                server._serve(self)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = _QuietServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        # A short poll interval makes stop() return in ~50 ms instead of 0.5 s (tests start many servers).
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="local-http", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def set(self, path: str, handler: Handler) -> None:
        with self._lock:
            self.routes[path] = handler

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path
        with self._lock:
            handler = self.routes.get(path)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        recorded = False
        try:
            route = handler(request) if callable(handler) else handler
            if route is None:
                route = Route(b"not found", "text/plain", 404)
            if route.delay:
                time.sleep(route.delay)
            etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
            status = route.status
            if (
                status == 200 and route.conditional and route.validators
                and (request.headers.get("If-None-Match") == etag
                     or (not request.headers.get("If-None-Match") and request.headers.get("If-Modified-Since") == self._started))
            ):
                status = 304
            # Recorded before answering: a client that has its answer may look at once.
            with self._lock:
                self.requests.append(RequestRecord(path, dict(request.headers), status))
            recorded = True
            request.send_response(status)
            if status < 400 and route.validators:
                request.send_header("ETag", etag)
                request.send_header("Last-Modified", self._started)
            request.send_header("Content-Type", route.content_type)
            for name, value in route.headers.items():
                request.send_header(name, value)
            body = b"" if status == 304 else route.body
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except BaseException:
            if not recorded:  # failed before answering
                with self._lock:
                    self.requests.append(RequestRecord(path, dict(request.headers), 500))
            raise
        finally:
            with self._lock:
                self.in_flight -= 1
