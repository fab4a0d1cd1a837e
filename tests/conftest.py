"""Shared fixtures: a real HTTP server on 127.0.0.1, a temporary work directory
with a sources.yaml writer, a temporary SQLite store, and ways to run the CLI
(in-process with click's CliRunner, or the real `watcher` console script)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import backends
import pytest
import yaml
from click.testing import CliRunner

from watcher.cli import main as cli_main
from watcher.demo.server import LocalServer, Route

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"


# -- feeds -------------------------------------------------------------------------


def rss(items: list[dict[str, str]], *, title: str = "Test feed", encoding: str = "utf-8",
        build_date: str | None = None) -> bytes:
    """An RSS 2.0 document. Each item: guid, title, and optionally description, link, date."""
    parts = [f'<?xml version="1.0" encoding="{encoding}"?>', '<rss version="2.0"><channel>',
             f"<title>{escape(title)}</title><link>http://127.0.0.1/</link><description>test</description>"]
    if build_date:
        parts.append(f"<lastBuildDate>{build_date}</lastBuildDate>")
    base = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    for n, it in enumerate(items):
        parts.append("<item>")
        if it.get("guid"):
            parts.append(f'<guid isPermaLink="false">{escape(it["guid"])}</guid>')
        parts.append(f"<title>{escape(it['title'])}</title>")
        if it.get("link"):
            parts.append(f"<link>{escape(it['link'])}</link>")
        parts.append(f"<description>{escape(it.get('description', ''))}</description>")
        parts.append(f"<pubDate>{it.get('date') or format_datetime(base + timedelta(days=n))}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>\n")
    return "\n".join(parts).encode(encoding)


def items(prefix: str, n: int) -> list[dict[str, str]]:
    """`n` neutral items (no country names, no regulatory words: the classifier leaves them alone)."""
    return [{"guid": f"{prefix}-{i}", "title": f"Bulletin {prefix} number {i}",
             "description": f"Routine notice {i} of {prefix}.", "link": f"http://127.0.0.1/{prefix}/{i}"}
            for i in range(1, n + 1)]


def feed_route(body: bytes, **kw: Any) -> Route:
    return Route(body, kw.pop("content_type", "application/rss+xml"), **kw)


# -- no internet --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to 127.0.0.1 only: a connection anywhere else fails loudly."""
    import ipaddress

    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                local = ipaddress.ip_address(host).is_loopback
            except ValueError:
                local = host == "localhost"
            if not local:
                raise OSError(f"test tried to reach the internet: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


# -- server --------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- work directory, config, store ------------------------------------------------------


@dataclass
class Workdir:
    path: Path

    @property
    def config(self) -> Path:
        return self.path / "sources.yaml"

    @property
    def db(self) -> Path:
        return self.path / "watcher.db"

    @property
    def db_url(self) -> str:
        """The store, on the backend under test (tests/backends.py)."""
        return backends.store_url(self.db)

    def write_config(self, sources: list[dict[str, Any]] | None = None, *, text: str | None = None,
                     defaults: dict[str, Any] | None = None, channels: list[dict[str, Any]] | None = None) -> Path:
        """Write sources.yaml from `text`, or from `sources` (with relevance: all and short timeouts by default)."""
        if text is None:
            data: dict[str, Any] = {"defaults": defaults if defaults is not None else {"timeout": "5s", "relevance": "all"},
                                    "sources": sources or []}
            if channels:
                data["channels"] = channels
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        self.config.write_text(text, encoding="utf-8")
        return self.config


def source(id: str, url: str, jurisdiction: str | list[str] = "INTL", **kw: Any) -> dict[str, Any]:
    return {"id": id, "name": kw.pop("name", id), "jurisdiction": jurisdiction, "type": kw.pop("type", "feed"),
            "url": url, **kw}


@pytest.fixture
def work(tmp_path: Path) -> Workdir:
    d = tmp_path / "work"
    d.mkdir()
    return Workdir(d)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return backends.store_url(tmp_path / "store.db")


# -- the backend under test (tests/backends.py) -----------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--backend", choices=["sqlite", "postgresql"], default="sqlite",
                     help="where the tests' stores live: SQLite files (default) or schemas of the "
                          "PostgreSQL database named by $WATCHER_TEST_DATABASE_URL")


def pytest_configure(config: pytest.Config) -> None:
    backends.BACKEND = config.getoption("--backend")
    # The cache directory (watcher.cache: parsed configs, compiled lexicons) of every
    # test and of the watcher processes they start is a directory of this run, never
    # the user's ~/.cache.
    import tempfile

    os.environ["WATCHER_CACHE_DIR"] = tempfile.mkdtemp(prefix="watcher-test-cache-")
    config.addinivalue_line("markers", "sqlite_only(why): about SQLite itself; skipped on PostgreSQL")
    config.addinivalue_line("markers", "postgresql_only: needs PostgreSQL; skipped on SQLite")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ.pop("WATCHER_CACHE_DIR", ""), ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if backends.BACKEND == "postgresql":
        why = backends.pg_unavailable()
        for item in items:
            if why:
                item.add_marker(pytest.mark.skip(reason=f"PostgreSQL run: {why}"))
            elif (mark := item.get_closest_marker("sqlite_only")) is not None:
                item.add_marker(pytest.mark.skip(reason="SQLite only: " + (mark.args[0] if mark.args else "")))
    else:
        for item in items:
            if item.get_closest_marker("postgresql_only") is not None:
                item.add_marker(pytest.mark.skip(reason="PostgreSQL only: run with --backend postgresql"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if backends.BACKEND == "postgresql":
        with contextlib.suppress(Exception):
            backends.drop_pg_stores()


# -- running the CLI ------------------------------------------------------------------


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    """Runs `watcher --config <work>/sources.yaml --db <work>/watcher.db ARGS...`."""

    def __init__(self, work: Workdir):
        self.work = work

    def base(self) -> list[str]:
        return ["--config", str(self.work.config), "--db", self.work.db_url]

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Run:
        """In-process, with click's CliRunner (stdout and stderr captured apart)."""
        result = CliRunner().invoke(cli_main, [*self.base(), *args], env=env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    def raw(self, *args: str, env: dict[str, str] | None = None) -> Run:
        """In-process, without the --config/--db defaults."""
        result = CliRunner().invoke(cli_main, list(args), env=env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    def subprocess(self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
                   timeout: float = 60, defaults: bool = True) -> Run:
        """The real `watcher` console script, in a child process."""
        exe = shutil.which("watcher") or str(Path(sys.executable).parent / "watcher")
        full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
        argv = [exe, *(self.base() if defaults else []), *args]
        proc = subprocess.run(argv, capture_output=True, text=True, encoding="utf-8", env=full_env,
                              cwd=cwd or self.work.path, timeout=timeout)
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def changes(self, *args: str) -> list[dict[str, Any]]:
        run = self("changes", "--all", "--limit", "0", "--format", "json", *args)
        assert run.code == 0, run.err
        return run.json()

    def sources(self) -> dict[str, dict[str, Any]]:
        run = self("sources", "--format", "json")
        assert run.code == 0, run.err
        return {row["id"]: row for row in run.json()}


@pytest.fixture
def cli(work: Workdir) -> Cli:
    return Cli(work)
