"""Issue 22, point 4 and point 9's short secrets: the value of a `${VAR}` never
reaches the store, an output, a message or a log, though a source's URL and
headers hold it and a hostile server does its best to have it quoted back."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote

import backends
import pytest
from conftest import Cli, Workdir, feed_route, rss, source
from notify_helpers import Receiver, SmtpSink, parts

from watcher import logs
from watcher.config import parse_config
from watcher.demo.server import LocalServer, Route

TOKEN = "tok_Zq81xVb7-secret"
ENV = {"API_TOKEN": TOKEN}
QUERY = f"token={TOKEN}"

BASE = [{"guid": "eu-base", "title": "EU AI Act enters into force",
         "description": "The Artificial Intelligence Act (Regulation (EU) 2024/1689) entered into force.",
         "link": "#baseline"}]
# Hostile links: a fragment and relative references, which resolve against the URL fetched.
NEW = [{"guid": "eu-section", "title": "EU AI Act obligations for general-purpose AI models apply",
        "description": "The AI Act obligations apply from 2 August 2026 to providers of general-purpose AI models.",
        "link": "#section"},
       {"guid": "eu-relative", "title": "Commission guidelines on the AI Act definition of an AI system",
        "description": "The European Commission published guidelines under the Artificial Intelligence Act.",
        "link": "guidelines?lang=en"},
       {"guid": "eu-query", "title": "AI Office consultation on the AI Act code of practice",
        "description": "The AI Office invites comments on the AI Act code of practice until 30 June 2026.",
        "link": "?page=2"}]
PAGE = ("<html><body><main><h1>AI Act implementation</h1><p>The Artificial Intelligence Act applies "
        "from 2 August 2026.</p>{extra}</main></body></html>")


def forms(secret: str) -> list[bytes]:
    """The ways `secret` could be written down: as is, percent-encoded, UTF-16."""
    return [secret.encode(), quote(secret, safe="").encode(), secret.encode("utf-16-le")]


def assert_secret_free(where: str, data: str | bytes) -> None:
    raw = data.encode() if isinstance(data, str) else data
    for form in forms(TOKEN):
        assert form not in raw, f"the token reached {where}"


@pytest.fixture
def hostile(server: LocalServer) -> Iterator[LocalServer]:
    """A server that wants the token quoted back: it redirects keeping the query,
    answers links relative to the tokened URL, loops, and fails."""
    server.set(f"/feed.xml?{QUERY}", Route(b"", "text/plain", 302, headers={"Location": f"/v2/feed.xml?{QUERY}"}))
    server.set(f"/v2/feed.xml?{QUERY}", feed_route(rss(BASE)))
    server.set(f"/page.html?{QUERY}", Route(PAGE.format(extra="").encode(), "text/html"))
    server.set(f"/loop?{QUERY}", Route(b"", "text/plain", 302, headers={"Location": f"/loop?{QUERY}"}))
    server.set(f"/gone?{QUERY}", Route(b"gone", "text/plain", 404))
    yield server


def test_a_url_token_reaches_no_store_output_message_or_log(hostile: LocalServer, work: Workdir, cli: Cli,
                                                              tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("API_TOKEN", TOKEN)
    base = hostile.base_url
    with Receiver() as hook, SmtpSink() as smtp:
        work.write_config(
            [source("eu-feed", f"{base}/feed.xml?token=${{API_TOKEN}}", "EU",
                    headers={"Authorization": "Bearer ${API_TOKEN}"}),
             source("eu-page", f"{base}/page.html?token=${{API_TOKEN}}", "EU", type="page"),
             source("eu-loop", f"{base}/loop?token=${{API_TOKEN}}", "EU"),
             source("eu-gone", f"{base}/gone?token=${{API_TOKEN}}", "EU")],
            channels=[{"id": "hook", "type": "webhook", "url": hook.url("/in")},
                      {"id": "mail", "type": "email", "to": ["legal@example.org"], "from": "watcher@example.org",
                       "smtp": {"host": "127.0.0.1", "port": smtp.port}}])
        runs = [cli("poll", env=ENV)]
        assert runs[-1].code == 3, runs[-1].err  # two sources fail on purpose
        hostile.set(f"/v2/feed.xml?{QUERY}", feed_route(rss([*BASE, *NEW])))
        hostile.set(f"/page.html?{QUERY}", Route(PAGE.format(extra="<p>Guidance follows in 2026.</p>").encode(),
                                                 "text/html"))
        runs.append(cli("poll", env=ENV))
        assert "more than 5 redirects" in runs[-1].err and "HTTP 404" in runs[-1].err
        changes = cli.changes()
        assert {c["source"] for c in changes} >= {"eu-feed", "eu-page"}, changes
        runs.append(cli("digest", env=ENV))
        assert runs[-1].code == 0, runs[-1].err
        assert hook.accepted() and smtp.messages

        # What the hostile server was sent: the token, in the query and the header.
        assert any(TOKEN in r.path for r in hostile.requests)
        assert any(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in hostile.requests)

        # The links resolved against the URL as configured, the token's place marked.
        urls = {c["title"]: c["url"] for c in changes}
        # (canonicalised: fragment dropped, query percent-encoded).
        section = unquote(urls[NEW[0]["title"]])
        assert section in (f"{base}/v2/feed.xml?token=***", f"{base}/v2/feed.xml?token=${{API_TOKEN}}"), section

        outputs: dict[str, str | bytes] = {f"run {i} {part}": text for i, r in enumerate(runs)
                                           for part, text in (("stdout", r.out), ("stderr", r.err))}
        for fmt in ("json", "csv", "table", "jsonl"):
            run = cli("changes", "--all", "--limit", "0", "--format", fmt, env=ENV)
            outputs[f"changes --format {fmt}"] = run.out + run.err
        for change in changes:
            for args in (("--format", "json"), ("--evidence",), ()):
                run = cli("show", str(change["id"]), *args, env=ENV)
                assert run.code == 0, run.err
                outputs[f"show {change['id']} {args}"] = run.out + run.err
        for fmt in ("table", "json"):
            run = cli("sources", "--format", fmt, env=ENV)
            outputs[f"sources --format {fmt}"] = run.out + run.err
        rows = cli.sources()
        assert rows["eu-loop"]["last_error"].startswith("more than 5 redirects (last: "), rows["eu-loop"]
        assert rows["eu-feed"]["url"].endswith("?token=${API_TOKEN}")
        for args in (("status", "--format", "json"), ("deliveries", "--format", "json"),
                     ("feed", "--out", "-"), ("calendar", "--past", "--format", "json"),
                     ("report", "--out", str(tmp_path / "report")),
                     ("calendar", "--past", "--ics", str(tmp_path / "cal.ics"))):
            run = cli(*args, env=ENV)
            outputs[" ".join(args)] = run.out + run.err
        outputs["report"] = (tmp_path / "report" / "index.html").read_bytes()
        outputs["calendar.ics"] = (tmp_path / "cal.ics").read_bytes()
        for post in hook.posts:
            outputs[f"webhook {post.path}"] = post.body
        for message in smtp.messages:  # the raw message, and each part decoded (it may be base64)
            outputs["e-mail digest"] = message.as_bytes() + "\n".join(parts(message).values()).encode()
    # The "sources failing" sections quote the failing sources' errors.
    assert any(b"eu-loop" in p.body and b"more than 5 redirects" in p.body for p in hook.posts)
    assert b"more than 5 redirects" in outputs["e-mail digest"]
    # watcher's own log (httpcore's debug records are not printed: no handler takes them).
    outputs["logs"] = "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records if r.name.startswith("watcher"))
    for where, data in outputs.items():
        assert_secret_free(where, data)

    if backends.BACKEND == "sqlite":
        with sqlite3.connect(work.db) as conn:  # every page, free pages and the WAL included
            outputs["dump"] = "\n".join(conn.iterdump())
        conn.close()
        for path in work.db.parent.glob(work.db.name + "*"):
            assert_secret_free(f"the store file {path.name}", path.read_bytes())
    else:
        dump = "\n".join(repr(row) for t in ("changes", "items", "evidence", "sources", "digests", "deliveries")
                         for row in backends.sql(work.db, f'SELECT * FROM "{t}"'))
        assert_secret_free("the store", dump)


# -- logs ---------------------------------------------------------------------------------


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """watcher's log (JSON lines) written to a buffer."""
    import sys

    buffer = io.StringIO()
    saved = sys.stderr
    sys.stderr = buffer
    try:
        logs.configure("debug", json_lines=True)
    finally:
        sys.stderr = saved
    yield buffer
    logs.set_secrets([])
    logs.log.handlers.clear()


@pytest.mark.parametrize("secret", ["q", "Z9", "k3Y", 'a"\\'])
def test_a_short_secret_is_blanked_in_logs(log_lines: io.StringIO, secret: str) -> None:
    logs.set_secrets([secret, "a-long-secret-value"])
    logs.event("fetch.failed", logging.WARNING, url=f"https://h.example/x?key={secret}",
               error=f"HTTP 401 for key {secret}", tried=[f"k={secret}"])
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]  # still valid JSON, whatever the secret
    [failed] = [x for x in lines if x["event"] == "fetch.failed"]
    assert secret not in json.dumps(failed["url"]) + failed["error"] + json.dumps(failed["tried"])
    assert failed["url"] == "https://h.example/x?key=***" and failed["error"] == "HTTP 401 for key ***"
    # A secret this short blanks ordinary text too: the configuration is told, the value never.
    [weak] = [x for x in lines if x["event"] == "config.weak_secret"]
    assert weak["level"] == "warning" and weak["count"] == 1


def test_a_config_problem_quoting_a_short_secret_blanks_it() -> None:
    from watcher.errors import ConfigError

    text = "sources:\n- {id: s, type: feed, jurisdiction: EU, url: 'ftp://h.example/${K}'}\n"
    with pytest.raises(ConfigError) as exc:
        parse_config(text, Path("sources.yaml"), {"K": "x7"})
    assert "x7" not in str(exc.value) and "ftp://h.example/***" in str(exc.value)


def test_mask_secrets_blanks_every_form_and_length() -> None:
    from watcher.secrets import mask_secrets

    secrets = ["p/w d", "p", "long-p-secret"]
    # Longest first: the long secret goes whole, not as "long-***-secret".
    assert mask_secrets("x=long-p-secret", secrets) == "x=***"
    # Percent-encoded in either case of hex digit, or with + for a space.
    assert mask_secrets("a=p%2Fw%20d&b=p%2fw%20d&c=p%2Fw+d", secrets) == "a=***&b=***&c=***"
    # A one-character secret is blanked too, wherever it is.
    assert mask_secrets("up", secrets) == "u***"
    assert mask_secrets("nothing here", []) == "nothing here"
