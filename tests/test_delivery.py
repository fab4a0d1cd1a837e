"""Alerts end to end (issue 5): real SMTP to aiosmtpd on 127.0.0.1, real HTTP to local
Slack / webhook / Apprise receivers; routing by jurisdiction and tag; the outbox's
guarantees (a failing receiver keeps changes pending, the next run delivers each
exactly once, a second `watcher digest` sends nothing, overlapping runs send once)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sqlite3
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import backends
import pytest
from conftest import Cli, Run, Workdir, feed_route, items, rss, source
from notify_helpers import (
    BASELINE,
    BROADBAND,
    COLORADO,
    EU_SCRIPT,
    JS_LINK,
    KOREA,
    SCRIPT_TITLE,
    Receiver,
    Reply,
    SmtpSink,
    free_port,
    html_links,
    make_due,
    parts,
    sql,
)

from watcher.config import ChannelConfig, load_config
from watcher.demo.server import LocalServer
from watcher.notify.outbox import period_of, send_digests, send_instant
from watcher.store.db import open_store

AI_ONLY = {"timeout": "5s"}  # relevance: ai (the default): items classified not relevant are never sent


def email_channel(port: int, **kw: Any) -> dict[str, Any]:
    smtp = {"host": "127.0.0.1", "port": port, **kw.pop("smtp", {})}
    return {"id": kw.pop("id", "legal"), "type": "email", "to": kw.pop("to", ["legal@example.org"]),
            "from": "watcher@example.org", "smtp": smtp, **kw}


def flat(text: str) -> str:
    """Whitespace collapsed: the plain-text part wraps long lines."""
    return " ".join(text.split())


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def deliveries(cli: Cli, env: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    run = cli("deliveries", "--format", "json", env=env)
    assert run.code == 0, run.err
    return {row["channel"]: row for row in run.json()}


def baseline_then_change(server: LocalServer, cli: Cli, path: str, new: list[dict[str, str]],
                         env: dict[str, str] | None = None, base: list[dict[str, str]] = BASELINE) -> Run:
    """Poll the feed at `path` once (its baseline), add `new` items, poll again."""
    server.set(path, feed_route(rss(base)))
    run = cli("poll", env=env)
    assert run.code == 0, run.err
    assert "baseline" in run.out
    server.set(path, feed_route(rss([*base, *new])))
    return cli("poll", env=env)


def check_block_kit(payload: dict[str, Any]) -> list[str]:
    """Assert `payload` is a valid Slack incoming-webhook Block Kit message; return its mrkdwn texts."""
    assert isinstance(payload.get("text"), str) and payload["text"], "a top-level fallback text"
    blocks = payload["blocks"]
    assert isinstance(blocks, list) and 1 <= len(blocks) <= 50
    texts = []
    for block in blocks:
        assert block["type"] in {"header", "section", "divider", "context"}, block
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert 1 <= len(block["text"]["text"]) <= 150
        elif block["type"] == "section":
            assert block["text"]["type"] == "mrkdwn"
            assert 1 <= len(block["text"]["text"]) <= 3000
            texts.append(block["text"]["text"])
    return texts


def secret_free(secret: str, *runs: Run, extra: str = "") -> None:
    for run in runs:
        assert secret not in run.out and secret not in run.err
    assert secret not in extra


def dump_db(work: Workdir) -> str:
    """Every row of the store, as text (to search it for a secret)."""
    if backends.BACKEND != "sqlite":
        tables = [t for (t,) in backends.sql(work.db, "SELECT table_name FROM information_schema.tables "
                                                      "WHERE table_schema = current_schema()")]
        assert "deliveries" in tables
        return "\n".join(repr(row) for t in tables for row in backends.sql(work.db, f'SELECT * FROM "{t}"'))
    with sqlite3.connect(work.db) as conn:
        text = "\n".join(conn.iterdump())
    conn.close()
    return text


# -- e-mail over real SMTP -------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_email_digest_over_real_smtp(server: LocalServer, work: Workdir, cli: Cli,
                                     caplog: pytest.LogCaptureFixture) -> None:
    """One multipart/alternative message with a telling subject; links in both parts; a
    title saying <script> escaped in HTML and kept as text; a javascript: link never an
    href; login with ${VAR} credentials that never show up in output, logs or the store."""
    caplog.set_level(logging.DEBUG)
    password, wrong = "pw-Zq81-never-printed", "wrong-pw-Xk2-never-printed"
    with SmtpSink(auth=("watcher-bot", password)) as smtp:
        work.write_config([source("eu", server.url("/eu.xml"), "EU")], defaults=AI_ONLY, channels=[
            email_channel(smtp.port, to=["legal@example.org", "policy@example.org"],
                          smtp={"username": "${SMTP_USER}", "password": "${SMTP_PASSWORD}"})])
        env = {"SMTP_USER": "watcher-bot", "SMTP_PASSWORD": password}
        runs = [baseline_then_change(server, cli, "/eu.xml", [EU_SCRIPT, JS_LINK, COLORADO, KOREA, BROADBAND], env)]
        assert runs[-1].code == 0, runs[-1].err

        # A refused login: exit 3, nothing lost, neither password shown.
        runs.append(cli("digest", env={**env, "SMTP_PASSWORD": wrong}))
        assert runs[-1].code == 3
        assert "legal" in runs[-1].err and "535" in runs[-1].err
        assert smtp.messages == [] and smtp.logins and set(smtp.logins) == {("watcher-bot", wrong, False)}
        row = deliveries(cli, env)["legal"]
        assert (row["pending"], row["sent"]) == (4, 0) and row["last_error"]

        make_due(work.db)
        runs.append(cli("digest", env=env))
        assert runs[-1].code == 0, runs[-1].err
        assert len(smtp.messages) == 1
        assert smtp.logins[-1] == ("watcher-bot", password, True)

        # Running it again sends nothing.
        runs.append(cli("digest", env=env))
        assert runs[-1].code == 0, runs[-1].err
        assert len(smtp.messages) == 1
        row = deliveries(cli, env)["legal"]
        assert (row["pending"], row["sent"]) == (0, 4)

    # Watcher's own logs (the test SMTP server's "mail.log" is the receiver, not watcher).
    logs = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    for secret in (password, wrong):
        secret_free(secret, *runs, extra=logs + dump_db(work))

    msg = smtp.messages[0]
    subject = msg["Subject"]
    assert "4 changes" in subject, subject
    for code in ("EU", "KR", "US-CO"):
        assert code in subject, subject
    assert msg["From"] == "watcher@example.org"
    assert {a.addr_spec for a in msg["To"].addresses} == {"legal@example.org", "policy@example.org"}
    assert smtp.envelopes == [("watcher@example.org", ["legal@example.org", "policy@example.org"])]
    assert msg["Date"] and msg["Message-ID"]

    body = parts(msg)
    assert set(body) == {"text/plain", "text/html"}
    text, html = body["text/plain"], body["text/html"]
    hrefs, tags = html_links(html)
    for item in (COLORADO, KOREA, EU_SCRIPT):
        assert item["link"] in text
        assert item["link"] in hrefs
    for title in (COLORADO["title"], KOREA["title"], JS_LINK["title"]):
        assert title in flat(text) and title in html
    # The title saying <script> is text in both parts, never markup.
    assert SCRIPT_TITLE in flat(text)
    assert "script" not in tags
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The javascript: link is dropped, its change still listed.
    assert not [h for h in hrefs if not h.strip().lower().startswith(("http://", "https://", "mailto:"))], hrefs
    assert "javascript:" not in html.lower() and "javascript:" not in text.lower()
    # Not relevant, or baseline: never sent.
    for title in (BROADBAND["title"], *(b["title"] for b in BASELINE)):
        assert title not in flat(text) and title not in html


def test_smtp_down_keeps_changes_pending_then_delivers_once(server: LocalServer, work: Workdir, cli: Cli) -> None:
    port = free_port()  # nothing listens there yet
    work.write_config([source("us", server.url("/us.xml"), "US")], defaults=AI_ONLY, channels=[email_channel(port)])
    assert baseline_then_change(server, cli, "/us.xml", [COLORADO, KOREA]).code == 0

    run = cli("digest")
    assert run.code == 3
    assert "legal" in run.err
    row = deliveries(cli)["legal"]
    assert (row["pending"], row["sent"]) == (2, 0)
    assert f"127.0.0.1:{port}" in row["last_error"]
    assert parse_iso(row["next_attempt"]) > datetime.now(UTC)

    with SmtpSink(port=port) as smtp:
        make_due(work.db)  # what the next run after the backoff would see
        run = cli("digest")
        assert run.code == 0, run.err
        assert len(smtp.messages) == 1
        text = parts(smtp.messages[0])["text/plain"]
        assert COLORADO["title"] in flat(text) and KOREA["title"] in flat(text)
        assert "2 changes" in smtp.messages[0]["Subject"]

        assert cli("digest").code == 0
        assert len(smtp.messages) == 1, "a second digest run sends nothing"

        # A later change goes in the next digest, alone.
        server.set("/us.xml", feed_route(rss([*BASELINE, COLORADO, KOREA, EU_SCRIPT])))
        assert cli("poll").code == 0
        assert cli("digest").code == 0
        assert len(smtp.messages) == 2
        later = flat(parts(smtp.messages[1])["text/plain"])
        assert SCRIPT_TITLE in later and COLORADO["title"] not in later and KOREA["title"] not in later
    row = deliveries(cli)["legal"]
    assert (row["pending"], row["sent"]) == (0, 3)


def test_dry_run_prints_marks_nothing_and_writes_html(server: LocalServer, work: Workdir, cli: Cli) -> None:
    with SmtpSink() as smtp:
        work.write_config([source("us", server.url("/us.xml"), "US")], defaults=AI_ONLY,
                          channels=[email_channel(smtp.port)])
        assert baseline_then_change(server, cli, "/us.xml", [COLORADO, EU_SCRIPT]).code == 0

        run = cli("digest", "--dry-run")
        assert run.code == 0, run.err
        assert COLORADO["title"] in flat(run.out) and SCRIPT_TITLE in flat(run.out)
        assert "2 changes" in run.out  # the subject
        out = work.path / "digest.html"
        run = cli("digest", "--dry-run", "--out", str(out))
        assert run.code == 0, run.err
        html = out.read_text(encoding="utf-8")
        assert html.lstrip().lower().startswith("<!doctype html")
        assert COLORADO["link"] in html_links(html)[0]
        assert "&lt;script&gt;" in html and "<script" not in html.lower()
        assert smtp.messages == []
        assert deliveries(cli)["legal"]["pending"] == 2
        assert sql(work.db, "SELECT count(*) FROM digests") == [(0,)]

        run = cli("digest")
        assert run.code == 0, run.err
        assert len(smtp.messages) == 1
        assert COLORADO["title"] in flat(parts(smtp.messages[0])["text/plain"])

        run = cli("digest", "--dry-run")
        assert run.code == 0 and COLORADO["title"] not in flat(run.out)


# -- Slack ------------------------------------------------------------------------------------------


SLACK_PATH = "/services/T000/B000/xoxSECRETtoken"


def test_slack_block_kit_and_mrkdwn_escaping(server: LocalServer, work: Workdir, cli: Cli) -> None:
    with Receiver() as slack:
        env = {"SLACK_WEBHOOK_URL": slack.url(SLACK_PATH)}
        work.write_config([source("eu", server.url("/eu.xml"), "EU")], defaults=AI_ONLY,
                          channels=[{"id": "slack-all", "type": "slack", "url": "${SLACK_WEBHOOK_URL}"}])
        assert baseline_then_change(server, cli, "/eu.xml", [EU_SCRIPT, JS_LINK, COLORADO], env).code == 0
        run = cli("digest", env=env)
        assert run.code == 0, run.err

    [post] = slack.posts
    assert post.path == SLACK_PATH and post.headers["content-type"].startswith("application/json")
    payload = post.json()
    texts = check_block_kit(payload)
    assert "3 changes" in payload["blocks"][0]["text"]["text"]
    everything = "\n".join(texts)
    assert "<script>" not in everything and "&lt;script&gt;alert(1)&lt;/script&gt;" in everything
    assert "AI Act &amp; its annexes" in everything  # & escaped; no bare & left anywhere
    assert "&" not in everything.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
    assert f"<{COLORADO['link']}|*{COLORADO['title']}*>" in everything
    assert "<http://127.0.0.1/eu/guidelines?a=1&amp;b=2|" in everything
    assert "javascript:" not in everything.lower() and JS_LINK["title"] in everything
    assert "2026-06-30" in everything  # the key date


def test_slack_long_digest_split_in_order(server: LocalServer, work: Workdir, cli: Cli) -> None:
    many = items("n", 120)
    with Receiver() as slack:
        work.write_config([source("eu", server.url("/eu.xml"), "EU", relevance="all")], defaults=AI_ONLY,
                          channels=[{"id": "slack-all", "type": "slack", "url": slack.url("/hook")}])
        assert baseline_then_change(server, cli, "/eu.xml", many, base=items("b", 2)).code == 0
        run = cli("digest")
        assert run.code == 0, run.err
        assert cli("digest").code == 0

    posts = slack.accepted()
    assert len(posts) >= 3
    links: list[str] = []
    for n, post in enumerate(posts, start=1):
        payload = post.json()
        texts = check_block_kit(payload)
        assert payload["blocks"][0]["text"]["text"].endswith(f"({n}/{len(posts)})")
        for text in texts:
            links += [part.split("|")[0] for part in text.split("<")[1:] if part.startswith("http")]
    expected = [c["url"] for c in cli.changes() if not c["baseline"]]
    assert len(expected) == 120
    assert links == expected, "every change once, in the digest's order, across the messages"
    assert deliveries(cli)["slack-all"]["sent"] == 120


def test_slack_429_in_the_middle_of_a_split_digest_repeats_nothing(server: LocalServer, work: Workdir,
                                                                    cli: Cli) -> None:
    """Part of the digest is already in Slack when message 2 is rate-limited: a short
    Retry-After is waited out in place, so message 1 is not sent again by a retry."""
    with Receiver() as slack:
        slack.script("/hook", Reply(200), Reply(429, b"rate_limited", {"Retry-After": "1"}))
        work.write_config([source("eu", server.url("/eu.xml"), "EU", relevance="all")], defaults=AI_ONLY,
                          channels=[{"id": "slack-all", "type": "slack", "url": slack.url("/hook")}])
        assert baseline_then_change(server, cli, "/eu.xml", items("n", 120), base=items("b", 2)).code == 0
        run = cli("digest")
        assert run.code == 0, run.err
    assert [p.status for p in slack.posts][:3] == [200, 429, 200]
    accepted = [p.json() for p in slack.accepted()]
    assert [m["blocks"][0]["text"]["text"][-5:] for m in accepted] == [f"({n}/{len(accepted)})"
                                                                       for n in range(1, len(accepted) + 1)]
    text = json.dumps(accepted)
    assert all(text.count(f"http://127.0.0.1/n/{i}|") == 1 for i in range(1, 121))


def test_slack_429_retry_after_then_each_change_once(server: LocalServer, work: Workdir, cli: Cli) -> None:
    with Receiver() as slack:
        slack.script(SLACK_PATH, Reply(429, b"rate_limited", {"Retry-After": "1800"}))
        env = {"SLACK_WEBHOOK_URL": slack.url(SLACK_PATH)}
        work.write_config([source("us", server.url("/us.xml"), "US")], defaults=AI_ONLY,
                          channels=[{"id": "slack-all", "type": "slack", "url": "${SLACK_WEBHOOK_URL}"}])
        assert baseline_then_change(server, cli, "/us.xml", [COLORADO, KOREA], env).code == 0

        started = datetime.now(UTC)
        run = cli("digest", env=env)
        assert run.code == 3
        assert "429" in run.err
        secret_free("xoxSECRETtoken", run)
        row = deliveries(cli, env)["slack-all"]
        assert (row["pending"], row["sent"]) == (2, 0)
        assert "429" in row["last_error"]
        assert parse_iso(row["next_attempt"]) >= started.replace(microsecond=0) + timedelta(seconds=1800)
        assert [p.status for p in slack.posts] == [429]

        config = load_config(work.config, env=env)
        with open_store(work.db_url) as store:
            # Two minutes later, past the usual backoff but not past Retry-After: nothing is sent.
            report = send_digests(store, config, now=lambda: started + timedelta(seconds=120))
            assert not report.failures
            assert len(slack.posts) == 1, "retried before Slack's Retry-After"
            report = send_digests(store, config, now=lambda: started + timedelta(seconds=1801))
            assert [o.status for o in report.outcomes] == ["sent"]
        assert cli("digest", env=env).code == 0

    accepted = slack.accepted()
    assert len(accepted) == 1
    text = json.dumps(accepted[0].json(), ensure_ascii=False)
    assert text.count(COLORADO["link"]) == 1 and text.count(KOREA["link"]) == 1
    row = deliveries(cli, env)["slack-all"]
    assert (row["pending"], row["sent"]) == (0, 2)


def test_instant_slack_sent_by_poll_and_retried_by_next_poll(server: LocalServer, work: Workdir, cli: Cli) -> None:
    with Receiver() as slack:
        slack.script("/hook", Reply(429, b"rate_limited", {"Retry-After": "30"}))
        work.write_config([source("us", server.url("/us.xml"), "US")], defaults=AI_ONLY, channels=[
            {"id": "slack-now", "type": "slack", "url": slack.url("/hook"), "mode": "instant"}])
        started = datetime.now(UTC).replace(microsecond=0)
        run = baseline_then_change(server, cli, "/us.xml", [COLORADO])
        assert run.code == 3 and "429" in run.err  # the poll itself went fine; the alert did not
        row = deliveries(cli)["slack-now"]
        assert row["pending"] == 1 and parse_iso(row["next_attempt"]) >= started + timedelta(seconds=60)

        assert cli("poll").code == 0  # not due yet: nothing tried
        assert len(slack.posts) == 1
        make_due(work.db)
        run = cli("poll")
        assert run.code == 0, run.err
        assert "slack-now" in run.out
        assert cli("poll").code == 0
        assert cli("digest", "--channel", "slack-now").code == 0  # its backlog is empty

    accepted = slack.accepted()
    assert len(accepted) == 1
    payload = accepted[0].json()
    check_block_kit(payload)
    assert json.dumps(payload, ensure_ascii=False).count(COLORADO["link"]) == 1
    assert (deliveries(cli)["slack-now"]["pending"], deliveries(cli)["slack-now"]["sent"]) == (0, 1)


# -- webhooks -------------------------------------------------------------------------------------------


def test_webhook_signed_versioned_body_500_then_once(server: LocalServer, work: Workdir, cli: Cli) -> None:
    secret = "whsec-8f1c-never-printed"
    env = {"WEBHOOK_SECRET": secret}
    with Receiver() as hook:
        hook.script("/in", Reply(500, b"oops"))
        work.write_config([source("us", server.url("/us.xml"), "US")], defaults=AI_ONLY, channels=[
            {"id": "intranet", "type": "webhook", "url": hook.url("/in"), "secret": "${WEBHOOK_SECRET}"}])
        runs = [baseline_then_change(server, cli, "/us.xml", [COLORADO, KOREA, BROADBAND], env)]
        runs.append(cli("digest", env=env))
        assert runs[-1].code == 3 and "500" in runs[-1].err
        row = deliveries(cli, env)["intranet"]
        assert (row["pending"], row["sent"]) == (2, 0) and "500" in row["last_error"]

        make_due(work.db)
        runs.append(cli("digest", env=env))
        assert runs[-1].code == 0, runs[-1].err
        runs.append(cli("digest", env=env))
        assert runs[-1].code == 0
    secret_free(secret, *runs, extra=dump_db(work))

    assert [p.status for p in hook.posts] == [500, 200]
    post = hook.accepted()[0]
    body = post.json()
    assert body["version"] == 1 and body["type"] == "digest" and body["channel"] == "intranet"
    # The signature: HMAC-SHA256 of the raw body with the secret from ${WEBHOOK_SECRET}.
    expected = "sha256=" + hmac.new(secret.encode(), post.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(post.headers["x-watcher-signature"], expected)
    tampered = post.body.replace(b'"version":1', b'"version":2')
    assert tampered != post.body
    assert not hmac.compare_digest(expected, "sha256=" + hmac.new(secret.encode(), tampered, hashlib.sha256).hexdigest())
    assert post.headers["x-watcher-timestamp"] == body["sent_at"]
    assert abs(parse_iso(body["sent_at"]) - datetime.now(UTC)) < timedelta(minutes=5)
    assert post.headers["content-type"].startswith("application/json")
    # The changes: exactly what `watcher changes --format json` prints for them.
    listed = {c["id"]: c for c in cli.changes()}
    assert len(body["changes"]) == 2
    for change in body["changes"]:
        assert change == listed[change["id"]]
    assert {c["title"] for c in body["changes"]} == {COLORADO["title"], KOREA["title"]}
    # The retry carried the same changes (the failed body was signed too).
    failed = hook.posts[0]
    assert [c["id"] for c in failed.json()["changes"]] == [c["id"] for c in body["changes"]]
    assert failed.headers["x-watcher-signature"] == "sha256=" + hmac.new(secret.encode(), failed.body,
                                                                         hashlib.sha256).hexdigest()


# -- routing -------------------------------------------------------------------------------------------------


def test_routing_by_jurisdiction_and_tag(server: LocalServer, work: Workdir, cli: Cli) -> None:
    with Receiver() as hook:
        def channel(id: str, mode: str = "digest", **flt: list[str]) -> dict[str, Any]:
            return {"id": id, "type": "webhook", "url": hook.url(f"/{id}"), "mode": mode,
                    **({"filter": flt} if flt else {})}

        work.write_config(
            [source("us", server.url("/us.xml"), "US"), source("kr", server.url("/kr.xml"), "KR")],
            defaults=AI_ONLY,
            channels=[channel("us", "instant", jurisdictions=["US"]),        # US matches US-CO
                      channel("delays", "instant", tags=["delay"]),
                      channel("kr-decrees", jurisdictions=["KR"], tags=["new-decree"]),
                      channel("asia-delays", jurisdictions=["KR", "JP"], tags=["delay"]),
                      channel("us-ca", jurisdictions=["US-CA"]),              # a sibling state: no
                      channel("eu-kr", jurisdictions=["EU", "KR"]),
                      channel("everything")])
        server.set("/us.xml", feed_route(rss([BASELINE[1]])))
        server.set("/kr.xml", feed_route(rss([BASELINE[0]])))
        assert cli("poll").code == 0  # baselines, with relevant items in them
        assert hook.posts == []
        server.set("/us.xml", feed_route(rss([BASELINE[1], COLORADO, BROADBAND])))
        server.set("/kr.xml", feed_route(rss([BASELINE[0], KOREA])))
        run = cli("poll")
        assert run.code == 0, run.err
        assert {p.path for p in hook.posts} == {"/us", "/delays"}, "instant channels are sent by the poll"
        run = cli("digest")
        assert run.code == 0, run.err

    got: dict[str, list[str]] = {}
    for post in hook.accepted():
        got.setdefault(post.path.strip("/"), []).extend(c["title"] for c in post.json()["changes"])
    assert {k: sorted(v) for k, v in got.items()} == {
        "us": [COLORADO["title"]],
        "delays": [COLORADO["title"]],
        "kr-decrees": [KOREA["title"]],
        "eu-kr": [KOREA["title"]],
        "everything": sorted([COLORADO["title"], KOREA["title"]]),
    }
    rows = deliveries(cli)
    assert rows["asia-delays"]["sent"] == rows["us-ca"]["sent"] == 0
    assert rows["asia-delays"]["pending"] == rows["us-ca"]["pending"] == 0
    # The not-relevant item and the baseline are stored, just never sent.
    stored = {c["title"]: c for c in cli.changes()}
    assert stored[BROADBAND["title"]]["relevant"] is False
    assert all(stored[b["title"]]["baseline"] for b in BASELINE)
    assert stored[COLORADO["title"]]["jurisdictions"] == ["US-CO"]


# -- overlapping runs ------------------------------------------------------------------------------------


def test_overlapping_digest_runs_send_each_change_once(server: LocalServer, work: Workdir, cli: Cli) -> None:
    with Receiver() as hook:
        hook.script("/in", *[Reply(200, delay=0.5) for _ in range(4)])  # slow receiver: runs overlap
        work.write_config([source("us", server.url("/us.xml"), "US")], defaults=AI_ONLY, channels=[
            {"id": "intranet", "type": "webhook", "url": hook.url("/in")}])
        assert baseline_then_change(server, cli, "/us.xml", [COLORADO]).code == 0
        config = load_config(work.config, env={})
        errors: list[BaseException] = []

        def run_digest(barrier: threading.Barrier | None = None) -> None:
            try:
                with open_store(work.db_url) as store:  # an engine of its own, like another process
                    if barrier:
                        barrier.wait(5)
                    send_digests(store, config)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        # A second run starting while the first is sending.
        first = threading.Thread(target=run_digest)
        first.start()
        assert hook.got_request.wait(5)
        second = threading.Thread(target=run_digest)
        second.start()
        first.join(10)
        second.join(10)
        assert not errors, errors
        assert len(hook.posts) == 1, "a digest being sent was sent again by an overlapping run"

        # Two runs starting together.
        server.set("/us.xml", feed_route(rss([*BASELINE, COLORADO, KOREA])))
        assert cli("poll").code == 0
        barrier = threading.Barrier(3)
        threads = [threading.Thread(target=run_digest, args=(barrier,)) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert not errors, errors

    ids = [c["id"] for p in hook.accepted() for c in p.json()["changes"]]
    assert len(hook.posts) == 2
    assert sorted(ids) == sorted({*ids}) and len(ids) == 2
    assert (deliveries(cli)["intranet"]["pending"], deliveries(cli)["intranet"]["sent"]) == (0, 2)


def test_overlapping_instant_sends_send_each_change_once(server: LocalServer, work: Workdir, cli: Cli) -> None:
    with Receiver() as hook:
        hook.script("/in", Reply(500), *[Reply(200, delay=0.5) for _ in range(3)])
        work.write_config([source("us", server.url("/us.xml"), "US")], defaults=AI_ONLY, channels=[
            {"id": "now", "type": "webhook", "url": hook.url("/in"), "mode": "instant"}])
        assert baseline_then_change(server, cli, "/us.xml", [COLORADO, KOREA]).code == 3  # the 500
        make_due(work.db)
        hook.got_request.clear()
        config = load_config(work.config, env={})
        errors: list[BaseException] = []

        def run_instant() -> None:
            try:
                with open_store(work.db_url) as store:
                    send_instant(store, config)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        first = threading.Thread(target=run_instant)
        first.start()
        assert hook.got_request.wait(5)
        second = threading.Thread(target=run_instant)  # e.g. a timer's poll beside a manual one
        second.start()
        first.join(10)
        second.join(10)
        assert not errors, errors
    assert [p.status for p in hook.posts] == [500, 200], "an alert being sent was sent again by an overlapping poll"
    assert (deliveries(cli)["now"]["pending"], deliveries(cli)["now"]["sent"]) == (0, 2)


# -- schedule windows -------------------------------------------------------------------------------------


def test_period_of_follows_the_channels_cron_and_time_zone(server: LocalServer, work: Workdir, cli: Cli) -> None:
    seoul = ChannelConfig(id="legal", type="email", schedule="0 8 * * *", timezone="Asia/Seoul")
    assert period_of(seoul, datetime(2026, 11, 23, 0, 30, tzinfo=UTC)) == "2026-11-23T08:00+09:00"
    assert period_of(seoul, datetime(2026, 11, 22, 22, 0, tzinfo=UTC)) == "2026-11-22T08:00+09:00"
    assert period_of(seoul, datetime(2026, 11, 22, 23, 0, tzinfo=UTC)) == "2026-11-23T08:00+09:00"  # 08:00 sharp
    utc = ChannelConfig(id="ops", type="email")  # defaults: 0 8 * * * in UTC
    assert period_of(utc, datetime(2026, 11, 23, 0, 30, tzinfo=UTC)) == "2026-11-22T08:00+00:00"
    weekly = ChannelConfig(id="weekly", type="email", schedule="0 9 * * mon", timezone="Europe/Brussels")
    assert period_of(weekly, datetime(2026, 11, 27, 12, 0, tzinfo=UTC)) == "2026-11-23T09:00+01:00"
    dst = ChannelConfig(id="ny", type="email", schedule="30 7 * * *", timezone="America/New_York")
    assert period_of(dst, datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == "2026-07-01T07:30-04:00"

    # A digest's identity is (channel, that window).
    with Receiver() as hook:
        work.write_config([source("us", server.url("/us.xml"), "US")], defaults=AI_ONLY, channels=[
            {"id": "intranet", "type": "webhook", "url": hook.url("/in"), "schedule": "0 8 * * *",
             "timezone": "Asia/Seoul"}])
        assert baseline_then_change(server, cli, "/us.xml", [COLORADO]).code == 0
        with open_store(work.db_url) as store:
            report = send_digests(store, load_config(work.config, env={}),
                                  now=lambda: datetime(2026, 11, 23, 0, 30, tzinfo=UTC))
        assert [o.status for o in report.outcomes] == ["sent"]
    assert sql(work.db, "SELECT channel_id, period, status FROM digests") == [
        ("intranet", "2026-11-23T08:00+09:00#1", "sent")]


# -- apprise ---------------------------------------------------------------------------------------------------


def test_apprise_channel_posts_to_a_json_url(server: LocalServer, work: Workdir, cli: Cli) -> None:
    pytest.importorskip("apprise")
    with Receiver() as receiver:
        work.write_config([source("us", server.url("/us.xml"), "US")], defaults=AI_ONLY, channels=[
            {"id": "teams-ish", "type": "apprise", "urls": [f"json://127.0.0.1:{receiver.port}/notify"]}])
        assert baseline_then_change(server, cli, "/us.xml", [COLORADO, KOREA]).code == 0
        run = cli("digest")
        assert run.code == 0, run.err
        assert cli("digest").code == 0

    [post] = receiver.posts
    assert post.path == "/notify"
    body = post.json()
    assert "2 changes" in body["title"]
    assert COLORADO["title"] in body["message"] and KOREA["title"] in body["message"]
    assert deliveries(cli)["teams-ish"]["sent"] == 2


def test_apprise_missing_is_a_clear_delivery_error(server: LocalServer, work: Workdir, cli: Cli,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "apprise", None)  # `import apprise` raises ImportError
    work.write_config([source("us", server.url("/us.xml"), "US")], defaults=AI_ONLY, channels=[
        {"id": "teams-ish", "type": "apprise", "urls": "json://127.0.0.1:9/notify"}])
    assert baseline_then_change(server, cli, "/us.xml", [COLORADO]).code == 0
    run = cli("digest")
    assert run.code == 3
    assert "pip install 'watcher[apprise]'" in run.err
    row = deliveries(cli)["teams-ish"]
    assert row["pending"] == 1 and "watcher[apprise]" in row["last_error"]
