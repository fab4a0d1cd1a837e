"""Issue 22, points 2 and 3: redirects neither carry a source's headers to another
origin nor reach internal addresses. Real servers on 127.0.0.1: two ports make two
origins, and `localhost` is another host than `127.0.0.1`."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from conftest import Cli, Workdir, feed_route, items, rss, source

from watcher.demo.server import LocalServer, Route
from watcher.errors import ConnectFetchError, RedirectFetchError
from watcher.fetch import Fetcher, FetchRequest, FetchResult

TOKEN = "Bearer Zq81-header-token-never-forwarded"
FEED = rss(items("moved", 2))


@pytest.fixture
def other() -> Iterator[LocalServer]:
    """A second server: another port of 127.0.0.1, so another origin."""
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every (address, port) a socket of this process tries to connect to."""
    seen: list[tuple[str, int]] = []
    guarded = socket.socket.connect  # the suite's no-internet guard (conftest)

    def recording(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            seen.append((address[0], address[1]))
        return guarded(self, address)

    monkeypatch.setattr(socket.socket, "connect", recording)
    return seen


def fetch(url: str, private_redirects: bool = False, **kw: Any) -> FetchResult:
    if private_redirects:  # passed only when set, so that the other cases run on a fetcher without the key too
        kw["private_redirects"] = True
    with Fetcher() as f:
        return f.fetch(FetchRequest("s", url, timeout=5, **kw))


def redirect(to: str) -> Route:
    return Route(b"", "text/plain", 302, headers={"Location": to})


# -- headers stay on the configured origin -----------------------------------------------


def test_headers_follow_a_same_origin_redirect(server: LocalServer) -> None:
    server.set("/old.xml", redirect("/new.xml"))
    server.set("/new.xml", feed_route(FEED))
    result = fetch(server.url("/old.xml"), headers={"Authorization": TOKEN})
    assert result.error is None and result.body == FEED
    assert [(r.path, r.headers.get("Authorization")) for r in server.requests] == [
        ("/old.xml", TOKEN), ("/new.xml", TOKEN)]


def test_headers_are_not_sent_to_another_port(server: LocalServer, other: LocalServer) -> None:
    server.set("/old.xml", redirect(other.url("/new.xml")))
    other.set("/new.xml", feed_route(FEED))
    result = fetch(server.url("/old.xml"), headers={"Authorization": TOKEN, "X-Api-Key": "k-123456789"},
                   private_redirects=True)
    assert result.error is None and result.body == FEED
    assert server.requests[0].headers.get("Authorization") == TOKEN
    [moved] = other.requests
    assert "Authorization" not in moved.headers and "X-Api-Key" not in moved.headers
    assert moved.headers.get("User-Agent", "").startswith("watcher/")  # a request all the same


def test_headers_are_not_sent_to_another_host_name(server: LocalServer) -> None:
    """localhost and 127.0.0.1 reach the same server but are two origins: the
    configured headers go to the one in sources.yaml only."""
    port = server.base_url.rsplit(":", 1)[1]
    server.set("/old.xml", redirect(f"http://localhost:{port}/new.xml"))
    server.set("/new.xml", feed_route(FEED))
    result = fetch(server.url("/old.xml"), headers={"Authorization": TOKEN}, private_redirects=True)
    assert result.error is None and result.body == FEED
    assert [(r.path, r.headers.get("Authorization")) for r in server.requests] == [
        ("/old.xml", TOKEN), ("/new.xml", None)]


@pytest.mark.parametrize("private_redirects", [False, True])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_no_configured_header_reaches_another_origin(server: LocalServer, other: LocalServer, host: str,
                                                     private_redirects: bool) -> None:
    """Whether the redirect is refused (the default: the other origin is loopback) or
    followed (private_redirects), the other origin never sees the headers."""
    port = other.base_url.rsplit(":", 1)[1]
    server.set("/old.xml", redirect(f"http://{host}:{port}/new.xml"))
    other.set("/new.xml", feed_route(FEED))
    result = fetch(server.url("/old.xml"), headers={"Authorization": TOKEN}, private_redirects=private_redirects)
    assert [r.headers.get("Authorization") for r in other.requests] == ([None] if private_redirects else [])
    assert (result.error is None) == private_redirects


def test_headers_are_not_sent_from_https_to_http_of_the_same_host() -> None:
    """https -> http of one host is another origin (and a plain-text one). No TLS server
    here: httpx is mocked, and private_redirects spares the name a DNS lookup."""
    with respx.mock(assert_all_called=True) as router:
        router.get("https://gov.example.org/feed.xml").mock(
            return_value=httpx.Response(301, headers={"Location": "http://gov.example.org/feed.xml"}))
        plain = router.get("http://gov.example.org/feed.xml").mock(return_value=httpx.Response(200, content=FEED))
        result = fetch("https://gov.example.org/feed.xml", headers={"Authorization": TOKEN}, private_redirects=True)
    assert result.error is None and result.body == FEED
    assert "Authorization" not in plain.calls.last.request.headers


# -- redirects into internal addresses ---------------------------------------------------


def test_redirect_to_another_port_on_loopback_is_refused(server: LocalServer, other: LocalServer) -> None:
    server.set("/feed.xml", redirect(other.url("/admin")))
    other.set("/admin", Route(b"<rss>internal</rss>", "application/rss+xml"))
    result = fetch(server.url("/feed.xml"))
    assert isinstance(result.error, RedirectFetchError) and result.body is None
    message = str(result.error)
    assert message.startswith("refused redirect to 127.0.0.1: a loopback address"), message
    assert "private_redirects: true" in message
    assert other.requests == []


def test_private_redirects_true_follows_it(server: LocalServer, other: LocalServer) -> None:
    server.set("/feed.xml", redirect(other.url("/feed.xml")))
    other.set("/feed.xml", feed_route(FEED))
    result = fetch(server.url("/feed.xml"), private_redirects=True)
    assert result.error is None and result.body == FEED and result.final_url == other.url("/feed.xml")


@pytest.mark.parametrize(("target", "address", "kind"), [
    ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "169.254.169.254", "link-local"),
    ("http://[fe80::a9fe:a9fe]/latest/meta-data/", "fe80::a9fe:a9fe", "link-local"),
    ("http://10.0.0.1/", "10.0.0.1", "private"),
    ("http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254", "private"),
    ("http://100.100.100.200/latest/meta-data/", "100.100.100.200", "non-public"),  # Alibaba's metadata
])
def test_redirect_to_metadata_and_private_addresses_refused_before_connecting(
        server: LocalServer, connects: list[tuple[str, int]], target: str, address: str, kind: str) -> None:
    server.set("/feed.xml", redirect(target))
    result = fetch(server.url("/feed.xml"))
    assert isinstance(result.error, RedirectFetchError), result.error
    assert str(result.error).startswith(f"refused redirect to {address}: a {kind} address"), result.error
    assert {a for a, _ in connects} == {"127.0.0.1"}  # only the source itself was connected to


@pytest.mark.parametrize("spelling", ["0.0.0.0", "[::1]", "[::ffff:127.0.0.1]", "2130706433", "0x7f.1", "localhost"])
def test_loopback_in_disguise_is_refused(server: LocalServer, other: LocalServer, spelling: str) -> None:
    """Other spellings of this machine: the unspecified address (Linux connects it to
    loopback), IPv6 loopback, IPv4-mapped IPv6, a decimal and a hex IPv4, and a name resolving to it."""
    port = other.base_url.rsplit(":", 1)[1]
    server.set("/feed.xml", redirect(f"http://{spelling}:{port}/admin"))
    other.set("/admin", Route(b"<rss>internal</rss>", "application/rss+xml"))
    result = fetch(server.url("/feed.xml"))
    assert isinstance(result.error, RedirectFetchError), result.error
    assert str(result.error).startswith("refused redirect to "), result.error
    assert other.requests == []


def test_rebinding_cannot_move_a_checked_hop(server: LocalServer, other: LocalServer,
                                             connects: list[tuple[str, int]], monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: a name that answers a public address to the check and loopback
    afterwards. The connection goes to the address the check saw, never to a second
    answer. (The public address is then refused by the suite's no-internet guard.)"""
    port = int(other.base_url.rsplit(":", 1)[1])
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34"])

    def rebinding(host: str, *args: Any, **kw: Any) -> Any:
        if host == "rebind.example":
            address = next(answers, "127.0.0.1")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    server.set("/feed.xml", redirect(f"http://rebind.example:{port}/admin"))
    other.set("/admin", Route(b"<rss>internal</rss>", "application/rss+xml"))
    result = fetch(server.url("/feed.xml"))
    assert isinstance(result.error, ConnectFetchError), result.error
    assert other.requests == []
    assert ("93.184.216.34", port) in connects and ("127.0.0.1", port) not in connects


# -- through the configuration -------------------------------------------------------------


def test_private_redirects_is_a_boolean_source_key(work: Workdir, cli: Cli, server: LocalServer,
                                                   other: LocalServer) -> None:
    server.set("/a.xml", redirect(other.url("/a.xml")))
    server.set("/b.xml", redirect(other.url("/b.xml")))
    other.set("/a.xml", feed_route(rss(items("a", 2))))
    other.set("/b.xml", feed_route(rss(items("b", 2))))
    work.write_config([source("refused", server.url("/a.xml")),
                       source("allowed", server.url("/b.xml"), private_redirects=True)])
    run = cli("poll")
    assert run.code == 3
    states = cli.sources()
    assert states["refused"]["last_error"].startswith("refused redirect to 127.0.0.1: a loopback address")
    assert states["allowed"]["last_error"] is None and states["allowed"]["state"] == "ok"
    assert [r.path for r in other.requests] == ["/b.xml"]

    work.write_config([source("s", server.url("/a.xml"), private_redirects="yes")])
    run = cli("check-config")
    assert run.code == 2 and "private_redirects" in run.err and "true or false" in run.err
