"""Store faults (issue 7): a read-only store and a full disk are a one-line error and
exit 3, never a traceback, and the store stays whole. (A store from a newer schema
is refused with a message: tests/test_store.py::test_newer_schema_refused_by_cli.)

Tests run as root, so file permissions cannot make a store read-only: SQLite's own
read-only mode does (`file:PATH?mode=ro&uri=true`). A full disk is a file-size limit
(RLIMIT_FSIZE, with SIGXFSZ ignored) on the child process: its writes past the limit
fail with EFBIG, which SQLite reports as it reports ENOSPC.
"""

from __future__ import annotations

import resource
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import Cli, Workdir, feed_route, items, rss, source
from proc_helpers import child_env, watcher_exe

from watcher.demo.server import LocalServer


def run(work: Workdir, *args: str, db: str | None = None, fsize: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    argv = [watcher_exe(), "--config", str(work.config), "--db", db or work.db_url, *args]
    return subprocess.run(argv, capture_output=True, text=True, encoding="utf-8", cwd=work.path, env=child_env(),
                          timeout=60, preexec_fn=limit if fsize is not None else None)


def integrity(db: Path) -> list[tuple[str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    conn.close()
    return rows


def one_line_error(proc: subprocess.CompletedProcess, *words: str) -> str:
    assert proc.returncode == 3, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("watcher: error:")]
    assert len(errors) == 1, proc.stderr
    for word in words:
        assert word in errors[0], errors[0]
    print(f"\nobserved (exit {proc.returncode}): {errors[0]}")
    return errors[0]


@pytest.mark.sqlite_only("SQLite's read-only file mode; a PostgreSQL role's rights are the server's business")
def test_read_only_store(work: Workdir, cli: Cli, server: LocalServer) -> None:
    server.set("/a.xml", feed_route(rss(items("a", 3))))
    work.write_config([source("a", server.url("/a.xml"))])
    assert cli("poll").code == 0
    server.set("/a.xml", feed_route(rss(items("a", 6))))
    read_only = f"sqlite:///file:{work.db}?mode=ro&uri=true"

    proc = run(work, "poll", db=read_only)
    line = one_line_error(proc, "could not be written", "read-only")
    assert "readonly database" in line
    # Reading works, nothing was written, and no stray directory was made from the URI.
    listed = run(work, "changes", "--all", "--format", "json", db=read_only)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count('"kind": "new"') == 3
    assert not (work.path / "file:").exists()
    assert integrity(work.db) == [("ok",)]
    assert cli("poll").code == 0  # writable again: the news is taken up
    assert len(cli.changes()) == 6


@pytest.mark.sqlite_only("a file-size limit on the process writing the SQLite file; PostgreSQL writes in its server")
def test_full_disk(work: Workdir, cli: Cli, server: LocalServer) -> None:
    big = [dict(it, description="Routine notice. " * 200) for it in items("big", 300)]  # ~1 MB to store
    server.set("/big.xml", feed_route(rss(big)))
    work.write_config([source("big", server.url("/big.xml"))])
    assert cli("sources").code == 0  # creates and migrates the store
    size = work.db.stat().st_size

    proc = run(work, "poll", fsize=size + 64 * 1024)
    line = one_line_error(proc, "could not be written")
    assert "disk is full" in line and "SQLITE_IOERR_WRITE" in line, line
    assert integrity(work.db) == [("ok",)]
    assert cli.changes() == []  # the failed transaction left nothing behind

    assert cli("poll").code == 0  # space again: the poll completes
    assert len(cli.changes()) == 300
    assert integrity(work.db) == [("ok",)]
