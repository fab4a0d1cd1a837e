"""Fetch stage: HTTP with conditional GET, limits, and charset decoding.

`Fetcher.fetch_all` fetches many sources concurrently and yields a `FetchResult`
per request as each completes. Design, for cost (an unchanged source must cost
next to nothing):

- one `httpx.HTTPTransport` (a keep-alive connection pool) per host, called
  directly: a sync transport's 304 round trip costs about a quarter of an
  AsyncClient's, and skipping `httpx.Client`'s layers saves a third more;
- a bounded thread pool runs at most `max_concurrency` requests overall; each
  host is drained by one worker, and by up to `per_host` once its answers turn
  out slow (waiting on the network, where a second connection helps; on a fast
  host a second thread only contends for the GIL), so no worker ever sits
  blocked waiting for a busy host;
- results reach the consumer in batches, not one wake-up per request;
- ETag / Last-Modified are sent back, and a 304 or a body whose SHA-256 equals
  the stored one is reported as unchanged so the caller skips parsing;
- redirects are followed by hand, only to http/https, at most `max_redirects`;
  the source's own `headers` go to its configured origin (scheme, host, port)
  only, and a redirect to another origin that resolves to a loopback, private,
  link-local or otherwise non-public address is refused (unless the request
  allows private redirects); the connection of such a hop is pinned to the
  addresses that were checked, so a DNS answer that changes between the check
  and the connection (DNS rebinding) cannot lead it elsewhere;
- what a result holds is free of the request's secrets: its `url` is the URL
  as configured (`${VAR}` unexpanded), and a final URL or an error message that
  quotes a secret has it masked (`watcher.secrets`);
- the body is streamed and cut off at `max_bytes` *decoded* bytes (a gzip bomb
  is stopped by what it inflates to) and at the whole-request `timeout` (a
  server dripping one byte a second does not beat it, in its headers either:
  every socket read and write is given only the time left before the deadline).
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import ipaddress
import re
import socket
import ssl
import threading
import time
import zlib
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import SplitResult, urljoin, urlsplit

import httpcore
import httpx

from watcher import __version__
from watcher.errors import (
    ConnectFetchError,
    FetchError,
    HTTPStatusFetchError,
    RedirectFetchError,
    TimeoutFetchError,
    TooLargeFetchError,
)
from watcher.secrets import mask_secrets

USER_AGENT = f"watcher/{__version__} (+https://github.com/watcher-ai-regulation/watcher; AI-regulation monitor)"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How hard the fetcher may work. The defaults are polite to government sites."""

    max_concurrency: int = 16
    per_host: int = 2
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    # Politeness: requests to one host start at least this far apart (loopback exempt).
    host_interval: float = 1.0
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """One source to fetch. `url` is fetched; `display_url` (default `url`) is what
    the result reports instead, the URL as configured with `${VAR}` unexpanded;
    `secrets` are masked in whatever else the result quotes. `headers` are sent
    to `url`'s origin only; `private_redirects` lets a redirect to another origin
    reach a non-public address."""

    source_id: str
    url: str
    timeout: float = 30.0
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    display_url: str = ""
    secrets: tuple[str, ...] = ()
    private_redirects: bool = False


@dataclass(slots=True)
class FetchResult:
    """The outcome of one request. Exactly one of these holds:
    `error` is set; `not_modified` (304); `unchanged` (same body hash); or `body` is new."""

    source_id: str
    url: str
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body: bytes | None = None
    body_hash: str | None = None
    not_modified: bool = False
    unchanged: bool = False
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    elapsed: float = 0.0
    error: FetchError | None = None
    # Server hints for scheduling (Retry-After, Cache-Control max-age / Expires), in seconds.
    retry_after: float | None = None
    max_age: float | None = None

    @property
    def has_new_body(self) -> bool:
        return self.error is None and self.body is not None and not self.unchanged


class Fetcher:
    """Concurrent fetching with per-host clients. Use as a context manager."""

    def __init__(self, limits: FetchLimits | None = None, transport: httpx.BaseTransport | None = None):
        self.limits = limits or FetchLimits()
        self._transport = transport  # for tests (respx) only
        self._transports: dict[tuple[str, str], httpx.HTTPTransport] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pools this fetcher opened (an injected transport is the caller's)."""
        with self._lock:
            for transport in self._transports.values():
                transport.close()
            self._transports.clear()

    def _pool_for(self, scheme: str, host: str) -> httpx.BaseTransport:
        """The keep-alive connection pool for one origin's host, made on first use.

        Requests go straight to an `httpx.HTTPTransport`, not through an
        `httpx.Client`: the client's layers (auth, cookies, redirects, event hooks)
        are all things this stage does itself or does not want, and they cost more
        CPU than the HTTP exchange (0.41 ms against 0.27 ms per 304 on loopback)."""
        if self._transport is not None:
            return self._transport  # tests (respx, MockTransport)
        key = (scheme, host)
        with self._lock:
            transport = self._transports.get(key)
            if transport is None:
                n = self.limits.per_host
                loopback = _is_loopback(host)
                # A proxy from the environment cannot reach this machine's loopback
                # (the demo's and tests' local server): never send those through it.
                proxy = None if loopback else _environment_proxy(scheme, host)
                transport = httpx.HTTPTransport(
                    verify=_tls_context(scheme, trust_env=not loopback),
                    limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
                    proxy=proxy,
                    trust_env=not loopback,
                )
                # Through a proxy, the proxy resolves and connects: there is nothing to pin.
                _enforce_deadlines(transport, pin=proxy is None)
                self._transports[key] = transport
            return transport

    def fetch(self, request: FetchRequest) -> FetchResult:
        """Fetch one source. Never raises for network or HTTP faults: they land in `error`."""
        started = time.monotonic()
        result = FetchResult(source_id=request.source_id, url=request.url)
        _deadline.at = started + request.timeout
        _pinned.hop = None
        try:
            self._fetch_into(request, result, started)
        except FetchError as exc:
            result.error = exc
            result.retry_after = exc.retry_after
        except httpx.TimeoutException:
            result.error = TimeoutFetchError(f"timed out after {request.timeout:g}s")
        except httpx.ConnectError as exc:
            result.error = ConnectFetchError(f"cannot connect: {_reason(exc)}")
        except (httpx.ReadError, httpx.RemoteProtocolError) as exc:
            result.error = FetchError(f"connection broken before the answer was complete: {_reason(exc)}")
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, OSError) as exc:
            result.error = FetchError(f"{type(exc).__name__}: {_reason(exc)}")
        finally:
            _deadline.at = None
            _pinned.hop = None
        result.elapsed = time.monotonic() - started
        if result.error is not None:
            result.body = None
        _without_secrets(result, request)
        return result

    def _fetch_into(self, request: FetchRequest, result: FetchResult, started: float) -> None:
        limits = self.limits
        deadline = started + request.timeout
        conditional = {}
        if request.etag:
            conditional["If-None-Match"] = request.etag
        if request.last_modified:
            conditional["If-Modified-Since"] = request.last_modified
        common = {"User-Agent": limits.user_agent, "Accept-Encoding": "gzip, deflate"}
        # The configured headers (credentials, often) go to the configured origin only.
        at_home = {**common, **request.headers, **conditional}
        elsewhere = {**common, **conditional}
        home = _origin(urlsplit(request.url))
        url = request.url
        timeout = httpx.Timeout(request.timeout).as_dict()
        for _hop in range(limits.max_redirects + 1):
            parts = urlsplit(url)
            origin = _origin(parts)
            away = origin != home
            # Only a redirect can lead away from the configured origin (which is
            # trusted, loopback included: sources.yaml is).
            _pinned.hop = (origin[1], origin[2], _redirect_addresses(url, origin)) \
                if away and not request.private_redirects else None
            transport = self._pool_for(parts.scheme.lower(), parts.netloc.lower())
            with _stream(transport, url, elsewhere if away else at_home, timeout) as resp:
                status = resp.status_code
                if status in (301, 302, 303, 307, 308) and "location" in resp.headers:
                    url = _redirect_target(url, resp.headers["location"])
                    continue
                result.status = status
                result.final_url = url
                result.retry_after = _retry_after(resp.headers.get("retry-after"))
                result.max_age = _max_age(resp.headers)
                if status == 304:
                    result.not_modified = True
                    result.etag = resp.headers.get("etag") or request.etag
                    result.last_modified = resp.headers.get("last-modified") or request.last_modified
                    # Consume the (empty) body: a response closed unread takes its
                    # connection with it, and then every 304 pays for a new TCP connection.
                    resp.read()
                    return
                if status in (202, 204):
                    # 202 is how EUR-Lex and other WAFs answer bots (a challenge page);
                    # 204 has no content. Neither is the document, and neither is "no news".
                    raise HTTPStatusFetchError(
                        f"HTTP {status} {resp.reason_phrase}: no document (a bot challenge or deferred answer)".strip(),
                        status=status, retry_after=result.retry_after,
                    )
                if status >= 400 or status < 200:
                    raise HTTPStatusFetchError(
                        f"HTTP {status} {resp.reason_phrase}".strip(), status=status, retry_after=result.retry_after
                    )
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                    raise TooLargeFetchError(f"body of {int(declared):,} bytes exceeds the {limits.max_bytes:,}-byte limit")
                body = _read_limited(resp, limits.max_bytes, deadline, request.timeout)
                result.content_type = resp.headers.get("content-type")
                result.etag = resp.headers.get("etag")
                result.last_modified = resp.headers.get("last-modified")
                result.body_hash = hashlib.sha256(body).hexdigest()
                if result.body_hash == request.body_hash:
                    result.unchanged = True
                else:
                    result.body = body
                return
        raise RedirectFetchError(f"more than {limits.max_redirects} redirects (last: {url[:300]})")

    def fetch_all(self, requests: Iterable[FetchRequest]) -> Iterator[FetchResult]:
        """Fetch every request, yielding results as they complete (any order).

        At most `max_concurrency` requests run at once, at most `per_host` per host,
        and requests to one host start at least `host_interval` seconds apart
        (loopback exempt). Closing the iterator early cancels what has not started
        and does not wait for requests in flight (their threads end with their timeout).
        """
        by_host: dict[str, deque[FetchRequest]] = defaultdict(deque)
        total = 0
        for req in requests:
            by_host[urlsplit(req.url).netloc.lower()].append(req)
            total += 1
        if not total:
            return
        done = _Batches()
        stop = done.closed
        pool = ThreadPoolExecutor(max_workers=min(self.limits.max_concurrency, total), thread_name_prefix="fetch")

        def drain(host: _HostWork) -> None:
            try:
                while not stop.is_set():
                    try:
                        req = host.pending.popleft()
                    except IndexError:
                        return
                    if stop.wait(host.pacer.delay()):
                        return
                    cpu = time.thread_time()
                    result = self.fetch(req)
                    waited = result.elapsed - (time.thread_time() - cpu)
                    done.put(result)
                    if waited > _WAITING and host.add_worker(self.limits.per_host):
                        # This worker spends its time waiting on the network, not
                        # working: a second connection to the host now pays for itself.
                        pool.submit(drain, host)
            finally:
                done.flush()

        completed = False
        try:
            for netloc, pending in by_host.items():
                host = _HostWork(pending, _Pacer(0.0 if _is_loopback(netloc) else self.limits.host_interval))
                host.add_worker(self.limits.per_host)
                pool.submit(drain, host)
            left = total
            while left:
                for result in done.take():
                    left -= 1
                    yield result
            completed = True
        finally:
            done.close()
            pool.shutdown(wait=completed, cancel_futures=True)


# A host whose answer kept its worker waiting (wall time beyond the worker's own CPU
# time) longer than this gets a second worker, up to `per_host`: any remote host
# does (a network round trip is tens of ms), nginx on loopback (0.1 ms) does not.
# There requests are CPU-bound, and two threads on one host only hand the GIL back
# and forth (2,000 304s: 0.74 s of CPU with one worker, 1.26 s with two).
_WAITING = 0.01


@dataclass(slots=True)
class _HostWork:
    """One host's queue of requests and how many workers drain it."""

    pending: deque[FetchRequest]
    pacer: _Pacer
    workers: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_worker(self, limit: int) -> bool:
        """Count one more worker if the host is below `limit` and has work left."""
        with self.lock:
            if self.workers >= limit or not self.pending:
                return False
            self.workers += 1
            return True


class _Batches:
    """Results handed from the fetch threads to the consumer in batches, with
    backpressure.

    Waking the consumer for every result costs more than a 304 itself (a lock
    handoff and a context switch per request: 0.86 s against 0.59 s of CPU for
    2,000 sequential 304s on loopback), so a producer wakes it only when a batch
    is full or its own work is done, and the consumer looks in at least every
    `max_wait` seconds for whatever trickled in from slow hosts.

    A consumer slower than the network (parsing and classifying a first poll)
    must not let fetched bodies pile up: a producer waits while the bodies
    waiting for the consumer exceed `max_bytes`, so memory stays bounded by that
    plus what the workers hold in flight, whatever the number of sources."""

    def __init__(self, batch: int = 64, max_wait: float = 0.05, max_bytes: int = 4 * 1024 * 1024):
        self._items: deque[FetchResult] = deque()
        self._bytes = 0
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._space = threading.Condition(self._lock)
        self._batch = batch
        self._max_wait = max_wait
        self._max_bytes = max_bytes
        self.closed = threading.Event()

    def put(self, result: FetchResult) -> None:
        size = len(result.body or b"")
        with self._lock:
            # One body larger than the budget still goes through, alone.
            while self._bytes and self._bytes + size > self._max_bytes and not self.closed.is_set():
                self._ready.notify()
                self._space.wait(0.5)
            self._items.append(result)
            self._bytes += size
            if len(self._items) >= self._batch or self._bytes >= self._max_bytes:
                self._ready.notify()

    def flush(self) -> None:
        with self._lock:
            self._ready.notify()

    def take(self) -> list[FetchResult]:
        """Whatever is ready (possibly nothing, after `max_wait`)."""
        with self._lock:
            if not self._items:
                self._ready.wait(self._max_wait)
            items = list(self._items)
            self._items.clear()
            self._bytes = 0
            self._space.notify_all()
        return items

    def close(self) -> None:
        """The consumer is gone: release producers waiting for space."""
        self.closed.set()
        with self._lock:
            self._space.notify_all()


class _Pacer:
    """Spaces out the starts of requests to one host (shared by its workers)."""

    def __init__(self, interval: float):
        self.interval = interval
        self._next = 0.0
        self._lock = threading.Lock()

    def delay(self) -> float:
        """Seconds the caller must wait before its request may start."""
        if not self.interval:
            return 0.0
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        return start - now


# -- secrets ------------------------------------------------------------------------------


def _without_secrets(result: FetchResult, request: FetchRequest) -> None:
    """Put the URL as configured in `result` and mask the request's secrets in the
    final URL (a redirect may keep the query that holds a token) and the error."""
    if request.display_url:
        result.url = request.display_url
        if result.final_url == request.url:
            result.final_url = request.display_url
    if not request.secrets:
        return
    if result.final_url:
        result.final_url = mask_secrets(result.final_url, request.secrets)
    if result.error is not None:
        message = str(result.error)
        masked = mask_secrets(message.replace(request.url, result.url), request.secrets)
        if masked != message:
            result.error.args = (masked,)


# -- redirects to non-public addresses ----------------------------------------------------
# A redirect that leaves the configured origin is checked before it is followed:
# every address its host resolves to must be public. The connection is then made
# to one of those checked addresses (the deadline backend below, reading `_pinned`),
# not to whatever a second DNS lookup would answer: no rebinding between the
# check and the connection. Through an environment proxy the proxy resolves and
# connects; the check still runs on what this machine resolves, the pin cannot.

_DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# The hop in hand of this thread's fetch: (host, port, addresses it may connect to), or None.
_pinned = threading.local()


def _origin(parts: SplitResult) -> tuple[str, str, int]:
    """(scheme, host, port) of a split URL, the default port filled in."""
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").rstrip("."), parts.port or _DEFAULT_PORTS.get(scheme, 0)


def _redirect_addresses(url: str, origin: tuple[str, str, int]) -> tuple[str, ...]:
    """The addresses `url`'s host resolves to, all public. Raises `RedirectFetchError`
    naming the first one that is not, and `ConnectFetchError` when the name does not
    resolve (unless a proxy will resolve it: then it is left to the proxy)."""
    scheme, host, port = origin
    try:
        addresses = public_addresses(host, port)
    except socket.gaierror as exc:
        if _environment_proxy(scheme, f"{host}:{port}"):
            return ()
        raise ConnectFetchError(f"cannot resolve {host} (redirected to {url[:200]}): {exc.strerror or exc}") from None
    except NonPublicAddress as exc:
        shown = host if host == exc.address else f"{host} ({exc.address})"
        raise RedirectFetchError(
            f"refused redirect to {shown}: a {exc.kind} address, on another origin than the source's URL "
            "(set private_redirects: true on the source to allow it)"
        ) from None
    return addresses


class NonPublicAddress(ValueError):
    """A host resolved to an address that is not public (`kind` says which sort)."""

    def __init__(self, address: str, kind: str):
        super().__init__(f"{address} is a {kind} address")
        self.address = address
        self.kind = kind


def public_addresses(host: str, port: int) -> tuple[str, ...]:
    """Every address `host` resolves to (an IP literal is its own). Raises
    `NonPublicAddress` if any is loopback, private, link-local, multicast or
    otherwise not globally reachable: a name with one such address counts as such."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        if kind := non_public_kind(address):
            raise NonPublicAddress(address, kind)
    return addresses


def non_public_kind(address: str) -> str | None:
    """What sort of non-public address `address` is ("loopback", "link-local"...),
    or None for a public one. IPv6 forms that embed an IPv4 address (mapped,
    6to4, NAT64, Teredo) are judged by that address too."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    embedded: list[ipaddress.IPv4Address] = []
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [a for a in (ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None) if a]
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    for candidate in (ip, *embedded):
        for kind in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
            if getattr(candidate, f"is_{kind}"):
                return kind.replace("_", "-")
        if not candidate.is_global:
            return "non-public"
    return None


# -- the whole-request deadline -------------------------------------------------------
# httpx's timeouts are per socket operation: a server sending one header byte every
# second never trips them. Each fetch runs in one thread, so the deadline of the fetch
# in hand is thread-local, and every read, write and connect of the client's sockets
# gets only the time left before it.

_deadline = threading.local()


def _time_left(timeout: float | None, exc: type[Exception]) -> float | None:
    at = getattr(_deadline, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise exc("the whole-request deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):  # noqa: ANN001, ANN201
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname,
                                                      _time_left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str):  # noqa: ANN201
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """Connections under the fetch's deadline; with `pin`, a redirect hop that was
    checked (`_pinned`) connects only to the addresses its check saw."""

    def __init__(self, pin: bool = False) -> None:
        self._backend = httpcore.SyncBackend()
        self._pin = pin

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # noqa: ANN001, ANN201
        hop = getattr(_pinned, "hop", None) if self._pin else None
        if hop is None:
            return _DeadlineStream(self._backend.connect_tcp(host, port, _time_left(timeout, httpcore.ConnectTimeout),
                                                             local_address, socket_options))
        checked_host, checked_port, addresses = hop
        if (host.lower().rstrip("."), port) != (checked_host, checked_port) or not addresses:
            addresses = public_addresses(host, port)  # not the host checked (never expected): check it now
        failure: Exception | None = None
        for address in addresses:
            try:
                return _DeadlineStream(self._backend.connect_tcp(
                    address, port, _time_left(timeout, httpcore.ConnectTimeout), local_address, socket_options))
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"no address to connect to for {host}")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # noqa: ANN001, ANN201
        return _DeadlineStream(self._backend.connect_unix_socket(
            path, _time_left(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _enforce_deadlines(transport: httpx.HTTPTransport, pin: bool) -> None:
    """Give the connection pool of `transport` (direct or through a proxy) the deadline
    backend; with `pin`, one that pins checked redirect hops to their addresses."""
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = _DeadlineBackend(pin)  # noqa: SLF001


@functools.cache
def _tls_context(scheme: str, trust_env: bool) -> ssl.SSLContext:
    """The TLS context of a pool. Every https origin shares one: loading the CA bundle
    costs ~15 ms of CPU, paid once per process rather than once per host. An http://
    origin is never spoken to in TLS (a redirect to https goes to that origin's own
    pool; a proxy has its own context), so its pool gets a context that trusts no
    certificate at all: cheap, and it could verify nothing even by mistake."""
    if scheme == "https":
        return httpx.create_ssl_context(trust_env=trust_env)
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # certificates and host names checked, no CA trusted


def _is_loopback(netloc: str) -> bool:
    host = urlsplit("//" + netloc).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def _stream(transport: httpx.BaseTransport, url: str, headers: dict[str, str],
            timeout: dict[str, float | None]) -> Iterator[httpx.Response]:
    """One GET through `transport`, the response closed (its connection back in the
    pool) on exit. A URL httpx cannot use is reported as the refused redirect it is:
    `url` is either validated configuration or a redirect target."""
    try:
        request = httpx.Request("GET", url, headers=headers, extensions={"timeout": timeout})
        resp = transport.handle_request(request)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise RedirectFetchError(f"refused a redirect to an unusable URL ({_reason(exc)})") from None
    resp.request = request
    try:
        yield resp
    finally:
        resp.close()


def _environment_proxy(scheme: str, host: str) -> str | None:
    """The proxy the environment asks for (`HTTPS_PROXY`, `ALL_PROXY`..., `NO_PROXY`
    honoured), as httpx's own `trust_env` would choose it."""
    from urllib.request import getproxies_environment, proxy_bypass_environment

    proxies = getproxies_environment()
    if not proxies or proxy_bypass_environment(host.rsplit("@", 1)[-1], proxies):
        return None
    return proxies.get(scheme) or proxies.get("all")


def _read_limited(resp: httpx.Response, max_bytes: int, deadline: float, timeout: float) -> bytes:
    """The body, decompressed, refusing to hold more than `max_bytes` of it at any moment.

    gzip and deflate are inflated here, not by httpx: httpx inflates each network
    read whole, and one 64 KB read of a gzip bomb is 64 MB of zeros. Here each
    step inflates at most what is left of the budget."""
    body = bytearray()
    encoding = resp.headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflate: zlib._Decompress | None = None
        for raw in resp.iter_raw():
            if inflate is None:
                inflate = _inflater(encoding, raw)
            data = raw
            while data:
                body += inflate.decompress(data, max_bytes - len(body) + 1)
                data = inflate.unconsumed_tail
                if len(body) > max_bytes:
                    raise TooLargeFetchError(f"body exceeds the {max_bytes:,}-byte limit (after decompression)")
            if time.monotonic() > deadline:
                raise TimeoutFetchError(f"body not complete after {timeout:g}s")
        if inflate is not None:
            body += inflate.flush()
    else:
        for chunk in resp.iter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise TooLargeFetchError(f"body exceeds the {max_bytes:,}-byte limit (after decompression)")
            if time.monotonic() > deadline:
                raise TimeoutFetchError(f"body not complete after {timeout:g}s")
    if len(body) > max_bytes:
        raise TooLargeFetchError(f"body exceeds the {max_bytes:,}-byte limit (after decompression)")
    return bytes(body)


def _inflater(encoding: str, first: bytes) -> zlib._Decompress:
    """A decompressor for the body: gzip, or deflate either zlib-wrapped (as the RFC
    says) or raw (as many servers send it)."""
    if encoding != "deflate":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        zlib.decompressobj(zlib.MAX_WBITS).decompress(first[:64], 0)
        return zlib.decompressobj(zlib.MAX_WBITS)
    except zlib.error:
        return zlib.decompressobj(-zlib.MAX_WBITS)


def _redirect_target(current: str, location: str) -> str:
    target = urljoin(current, location.strip())
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https"):
        raise RedirectFetchError(f"refused redirect to a {scheme or 'schemeless'} URL: {target[:200]}")
    return target


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now (it may be seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


_MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)")


def _max_age(headers: httpx.Headers) -> float | None:
    cache = headers.get("cache-control", "")
    if "no-store" in cache or "no-cache" in cache:
        return None
    if m := _MAX_AGE.search(cache):
        return float(m.group(1))
    if expires := headers.get("expires"):
        return _retry_after(expires)
    return None


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:300]


# -- charsets -----------------------------------------------------------------

# Decode with the superset a site almost always means: sites labelled EUC-KR emit
# CP949 extensions, GB2312 sites emit GBK/GB18030, Shift_JIS sites emit CP932, and
# WHATWG treats latin-1 and ascii labels as windows-1252.
_SUPERSETS = {
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "big5": "cp950",
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",  # what codecs.lookup() calls latin-1 / ISO-8859-1
    "ascii": "cp1252",
}
# Header charsets that servers send by default rather than by knowledge.
_WEAK_HEADER = frozenset({"cp1252", "ascii", "latin_1"})
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def codec_name(label: str | None) -> str | None:
    """Python's codec for an encoding label, widened to the superset sites mean; None if unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    name = name.replace("-", "_")
    return _SUPERSETS.get(name, name)


def header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _CHARSET_PARAM.search(content_type)
    return m.group(1) if m else None


def declared_charset(body: bytes) -> str | None:
    """The encoding the document declares in-band: XML declaration or HTML <meta>."""
    head = body[:4096]
    if head[:4] == b"\x00\x00\x00<":  # UTF-32 without a byte-order mark (XML 1.0 appendix F)
        return "utf-32-be"
    if head[:4] == b"<\x00\x00\x00":
        return "utf-32-le"
    if head[:4] == b"\x00<\x00?":
        return "utf-16-be"
    if head[:4] == b"<\x00?\x00":
        return "utf-16-le"
    m = _XML_DECL.match(head) or _META.search(head)
    return m.group(1).decode("ascii") if m else None


def decode_body(body: bytes, content_type: str | None = None, override: str | None = None) -> tuple[str, str]:
    """Decode a fetched body to text; returns (text, codec used).

    Order: the source's `encoding` override; a byte-order mark; the HTTP charset,
    unless the bytes do not decode under it (servers lie) or it is a default such
    as ISO-8859-1 contradicted by the document; the XML declaration or <meta>
    charset; UTF-8; detection (charset-normalizer); windows-1252 with replacement.
    """
    if override:
        codec = codec_name(override) or override
        return body.decode(codec, errors="replace"), codec
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace"), codec
    header = codec_name(header_charset(content_type))
    declared = codec_name(declared_charset(body))
    candidates: list[str] = []
    if header and not (header in _WEAK_HEADER and declared and declared != header):
        candidates.append(header)
    if declared:
        candidates.append(declared)
    candidates.append("utf-8")
    for codec in dict.fromkeys(candidates):
        try:
            return body.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    detected = _detect(body)
    if detected:
        try:
            return body.decode(detected), detected
        except (UnicodeDecodeError, LookupError):
            pass
    return body.decode("cp1252", errors="replace"), "cp1252"


def _detect(body: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    return codec_name(best.encoding) if best else None


def utf8_xml(body: bytes, content_type: str | None = None, override: str | None = None) -> bytes:
    """An XML document re-encoded as UTF-8 with its declaration saying so, so the XML
    parser never second-guesses the charset decision made by `decode_body`."""
    text, _ = decode_body(body, content_type, override)
    text = re.sub(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']""", r'\1"utf-8"', text, count=1)
    return text.encode("utf-8")
