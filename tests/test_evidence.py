"""Evidence of each change (issue 4): fetch time, final URL, status, ETag /
Last-Modified, body SHA-256 and the stored text of the version that produced
it, printed by `watcher show ID --evidence`; the text pruned after the source's
`evidence_retention`, the hash kept."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta

from conftest import Cli, Workdir
from pages_helpers import fixture_bytes, fresh_changes, html_route, page_source, poll_ok, shown

from watcher.demo.server import LocalServer, Route
from watcher.store.db import open_store
from watcher.store.models import Evidence


def doc(paragraphs: list[str]) -> bytes:
    return ("<html><head><title>AI Act</title></head><body><main>"
            + "".join(f"<p>{p}</p>" for p in paragraphs) + "</main></body></html>").encode("utf-8")


V1 = ["Article 1 The Act applies from 2 August 2026.", "Article 2 Definitions."]
V2 = ["Article 1 The Act applies from 2 December 2027.", "Article 2 Definitions."]


def etag_of(body: bytes) -> str:
    """The ETag LocalServer sends for `body`."""
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


def test_change_carries_its_evidence(server: LocalServer, work: Workdir, cli: Cli) -> None:
    # The configured URL redirects: the evidence names both it and the final URL.
    server.set("/ai-act", Route(b"", "text/html", 302, headers={"Location": "/ai-act/v1"}))
    body = doc(V1)
    server.set("/ai-act/v1", html_route(body))
    work.write_config([page_source("eu-ai-act", server.url("/ai-act"), "page", "EU")])
    before = datetime.now(UTC).replace(microsecond=0)
    poll_ok(cli)
    after = datetime.now(UTC) + timedelta(seconds=1)
    [change] = cli.changes()

    ev = shown(cli, change["id"], "--evidence")["evidence"]
    assert ev["url"] == server.url("/ai-act")
    assert ev["final_url"] == server.url("/ai-act/v1")
    assert ev["status"] == 200
    assert ev["content_type"] == "text/html; charset=utf-8"
    assert ev["etag"] == etag_of(body)
    assert ev["last_modified"] and ev["last_modified"].endswith("GMT")
    assert ev["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert ev["text"] == "\n".join(V1)
    fetched = datetime.fromisoformat(ev["fetched_at"].replace("Z", "+00:00"))
    assert before <= fetched <= after

    # `show --evidence` as text prints every one of them.
    run = cli("show", str(change["id"]), "--evidence")
    assert run.code == 0, run.err
    for value in (ev["fetched_at"], ev["final_url"], ev["etag"], ev["last_modified"], ev["body_sha256"],
                  "status: 200", *V1):
        assert value in run.out, value
    # Without the flag, no evidence.
    assert "evidence" not in shown(cli, change["id"])
    assert ev["body_sha256"] not in cli("show", str(change["id"])).out

    # An update carries the evidence of its own version; the first change keeps the first.
    server.set("/ai-act/v1", html_route(doc(V2)))
    poll_ok(cli)
    [update] = fresh_changes(cli)
    ev2 = shown(cli, update["id"], "--evidence")["evidence"]
    assert ev2["body_sha256"] == hashlib.sha256(doc(V2)).hexdigest()
    assert ev2["text"] == "\n".join(V2)
    assert shown(cli, change["id"], "--evidence")["evidence"] == ev


def test_listing_evidence_is_the_decoded_page(server: LocalServer, work: Workdir, cli: Cli) -> None:
    body = fixture_bytes("kr-board.euc-kr.html")
    server.set("/bbs/list.do", html_route(body, "text/html"))
    work.write_config([page_source("kr-board", server.url("/bbs/list.do"), "page-list", "KR",
                                   items="table.board tbody tr")])
    poll_ok(cli)
    ids = [c["id"] for c in cli.changes()]
    evidence = [shown(cli, i, "--evidence")["evidence"] for i in ids]
    assert all(e == evidence[0] for e in evidence)  # one fetch, shared by the changes it produced
    assert evidence[0]["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert "인공지능 기본법 시행령 입법예고" in evidence[0]["text"]
    assert "<table class=\"board\">" in evidence[0]["text"]


def test_text_pruned_after_retention_hash_kept(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set("/short", html_route(doc(V1)))
    server.set("/long", html_route(doc(["Kept for a year."])))
    work.write_config([page_source("short-lived", server.url("/short"), "page", "EU", evidence_retention="1s"),
                       page_source("long-lived", server.url("/long"), "page", "EU")])
    poll_ok(cli)
    short = cli.changes("--source", "short-lived")[0]["id"]
    long = cli.changes("--source", "long-lived")[0]["id"]
    first = shown(cli, short, "--evidence")["evidence"]
    assert first["text"] == "\n".join(V1)

    time.sleep(1.2)  # older than the 1 s retention by the next poll
    server.set("/short", html_route(doc(V2)))
    poll_ok(cli)

    pruned = shown(cli, short, "--evidence")["evidence"]
    assert pruned["text"] is None
    assert pruned["body_sha256"] == first["body_sha256"] == hashlib.sha256(doc(V1)).hexdigest()
    assert pruned["etag"] == first["etag"] and pruned["fetched_at"] == first["fetched_at"]
    assert pruned["text_size"] == first["text_size"]
    run = cli("show", str(short), "--evidence")
    assert run.code == 0 and "pruned" in run.out and first["body_sha256"] in run.out

    # The newer version's text is within its retention; the other source keeps its own (365 days).
    [update] = fresh_changes(cli, "short-lived")
    assert shown(cli, update["id"], "--evidence")["evidence"]["text"] == "\n".join(V2)
    assert shown(cli, long, "--evidence")["evidence"]["text"] == "Kept for a year."
    with open_store(work.db_url) as store, store.session() as s:
        rows = {(e.source_id, e.text_zlib is None) for e in s.query(Evidence)}
    assert rows == {("short-lived", True), ("short-lived", False), ("long-lived", False)}
