"""Issue 22, points 5, 6 and 9 on the sending side: an oversized change is cut and
delivered with the others, a message refused for its size is split rather than
retried forever, chat services get no mention or link syntax from a source, and a
Slack digest sent in parts is not re-posted when a later part is rate-limited.
Receivers are real servers on 127.0.0.1: aiosmtpd with a size limit, HTTP servers
posing as Slack, Discord, Mattermost and webhooks (reached by Apprise itself)."""

from __future__ import annotations

import email
import email.policy
import json
from email.message import EmailMessage
from typing import Any

import backends
import pytest
from conftest import Cli, Workdir, feed_route, items, rss, source
from notify_helpers import (
    BASELINE,
    COLORADO,
    EU_SCRIPT,
    KOREA,
    Receiver,
    Reply,
    free_port,
    make_due,
    parts,
)

from watcher.demo.server import LocalServer

AI_ONLY = {"timeout": "5s"}


class LimitedSmtp:
    """aiosmtpd on 127.0.0.1 refusing messages over `limit` bytes (552, as real servers do)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self._controller: Any = None

    def __enter__(self) -> LimitedSmtp:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                data = envelope.original_content or envelope.content
                sink.raw.append(data)
                sink.messages.append(email.message_from_bytes(data, policy=email.policy.default))
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, ready_timeout=5,
                                      data_size_limit=self.limit)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


def email_channel(port: int) -> dict[str, Any]:
    return {"id": "legal", "type": "email", "to": ["legal@example.org"], "from": "watcher@example.org",
            "smtp": {"host": "127.0.0.1", "port": port}}


def two_changes(server: LocalServer, work: Workdir, cli: Cli, channel: dict[str, Any],
                new: tuple[dict[str, str], ...] = (COLORADO, KOREA)) -> dict[str, int]:
    """Baseline, then `new` as changes queued for `channel`; their ids by title."""
    work.write_config([source("us", server.url("/us.xml"), "US")], defaults=AI_ONLY, channels=[channel])
    server.set("/us.xml", feed_route(rss(BASELINE)))
    assert cli("poll").code == 0
    server.set("/us.xml", feed_route(rss([*BASELINE, *new])))
    run = cli("poll")
    assert run.code in (0, 3), run.err
    return {c["title"]: c["id"] for c in cli.changes() if not c["baseline"]}


def make_huge(work: Workdir, change_id: int, paragraph: str, lines: int = 1) -> None:
    """What a page update adding `paragraph` (one line, or `lines` of it) stores: an
    updated change whose diff and summary are that big (a store written before text
    was capped at parse time, or by any other path)."""
    diff = "\n".join(f"+{paragraph}" for _ in range(lines)) + "\n" + "\n".join(f"-{paragraph}" for _ in range(lines))
    backends.sql(work.db, "UPDATE changes SET kind = 'updated', diff = ?, summary = ? WHERE id = ?",
                 diff, paragraph, change_id)


def deliveries(cli: Cli) -> dict[str, dict[str, Any]]:
    run = cli("deliveries", "--format", "json")
    assert run.code == 0, run.err
    return {row["channel"]: row for row in run.json()}


def flat(text: str) -> str:
    return " ".join(text.split())


# -- point 5: sizes ------------------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_twelve_megabyte_paragraph_is_cut_and_the_digest_delivered(server: LocalServer, work: Workdir,
                                                                  cli: Cli) -> None:
    paragraph = "The AI Act applies from 2 August 2026 to providers of general-purpose models. " * 160_000
    assert len(paragraph) > 12_000_000
    with LimitedSmtp(10 * 1024 * 1024) as smtp:
        ids = two_changes(server, work, cli, email_channel(smtp.port))
        make_huge(work, ids[COLORADO["title"]], paragraph)
        run = cli("digest")
        assert run.code == 0, run.err
    [message] = smtp.messages
    assert len(smtp.raw[0]) < 200_000, len(smtp.raw[0])
    body = parts(message)
    text, html = flat(body["text/plain"]), body["text/html"]
    for title in (COLORADO["title"], KOREA["title"]):  # the other change went with it
        assert title in text and title in html
    big = ids[COLORADO["title"]]
    assert f"watcher show {big}" in text and f"watcher show {big}" in html
    assert "The AI Act applies from 2 August 2026" in text
    row = deliveries(cli)["legal"]
    assert (row["pending"], row["sent"], row["failed"]) == (0, 2, 0)


def test_message_refused_for_size_is_split_and_every_change_delivered(server: LocalServer, work: Workdir,
                                                                      cli: Cli) -> None:
    """The whole digest is over the server's limit; each change alone fits (the big
    one only as its title and link): every change goes out, once."""
    with LimitedSmtp(40_000) as smtp:
        ids = two_changes(server, work, cli, email_channel(smtp.port), new=(COLORADO, KOREA, EU_SCRIPT))
        assert len(ids) == 3
        make_huge(work, ids[COLORADO["title"]], "AI Act obligation text changed here " * 60, lines=40)
        run = cli("digest")
        assert run.code == 0, run.err
        assert cli("digest").code == 0  # nothing left
    assert len(smtp.messages) >= 2
    texts = [flat(parts(m)["text/plain"]) for m in smtp.messages]
    for title in ids:
        assert sum(t.count(title) for t in texts) == 1, title
    assert all(len(raw) <= 40_000 for raw in smtp.raw)
    assert any(f"watcher show {ids[COLORADO['title']]}" in t for t in texts)
    row = deliveries(cli)["legal"]
    assert (row["pending"], row["sent"], row["failed"]) == (0, 3, 0)


def test_change_refused_even_shortened_fails_for_good_and_holds_nothing_back(server: LocalServer, work: Workdir,
                                                                            cli: Cli) -> None:
    with LimitedSmtp(3_000) as smtp:  # smaller than any digest e-mail
        two_changes(server, work, cli, email_channel(smtp.port))
        run = cli("digest")
        assert run.code == 3
        assert "refused" in run.err and "552" in run.err, run.err
        row = deliveries(cli)["legal"]
        assert (row["pending"], row["failed"]) == (0, 2), row
        assert "552" in row["last_error"]
        # Not retried: the next run has nothing to send, however much later it comes.
        make_due(work.db)
        again = cli("digest")
        assert again.code == 0, again.err
        assert "nothing" in again.out
        assert smtp.messages == []
    table = cli("deliveries", env={"COLUMNS": "200"})
    assert "failed" in table.out


def test_webhook_413_splits_the_body(server: LocalServer, work: Workdir, cli: Cli) -> None:
    with Receiver() as hook:
        hook.script("/in", Reply(413, b"Payload Too Large"))
        ids = two_changes(server, work, cli, {"id": "intranet", "type": "webhook", "url": hook.url("/in")})
        run = cli("digest")
        assert run.code == 0, run.err
    assert [p.status for p in hook.posts] == [413, 200, 200]
    sent = [c["id"] for p in hook.accepted() for c in p.json()["changes"]]
    assert sorted(sent) == sorted(ids.values())


# -- point 9: a Slack digest in parts ---------------------------------------------------------------------


def test_slack_429_on_a_later_part_retries_only_what_was_not_accepted(server: LocalServer, work: Workdir,
                                                                      cli: Cli) -> None:
    with Receiver() as slack:
        # Message 2 is rate-limited for half an hour: longer than any wait in place.
        slack.script("/hook", Reply(200), Reply(429, b"rate_limited", {"Retry-After": "1800"}))
        work.write_config([source("eu", server.url("/eu.xml"), "EU", relevance="all")], defaults=AI_ONLY,
                          channels=[{"id": "slack-all", "type": "slack", "url": slack.url("/hook")}])
        server.set("/eu.xml", feed_route(rss(items("b", 2))))
        assert cli("poll").code == 0
        server.set("/eu.xml", feed_route(rss([*items("b", 2), *items("n", 120)])))
        assert cli("poll").code == 0
        first = cli("digest")
        assert first.code == 3 and "429" in first.err
        row = deliveries(cli)["slack-all"]
        in_first = len(slack.accepted()[0].json()["blocks"])
        assert 0 < row["sent"] < 120 and row["sent"] + row["pending"] == 120, row
        make_due(work.db)  # Retry-After has passed
        second = cli("digest")
        assert second.code == 0, second.err
        assert cli("digest").code == 0
    assert in_first > 1
    text = json.dumps([p.json() for p in slack.accepted()])
    counts = {i: text.count(f"http://127.0.0.1/n/{i}|") for i in range(1, 121)}
    assert set(counts.values()) == {1}, {i: n for i, n in counts.items() if n != 1}
    assert deliveries(cli)["slack-all"]["sent"] == 120


# -- point 9: native Slack mrkdwn ---------------------------------------------------------------------------

MRKDWN_TITLE = "*URGENT* _Official_ ~notice~ `AI Act` compliance portal https://evil.example/login www.evil.example"


def test_slack_shows_fetched_mrkdwn_as_text(server: LocalServer, work: Workdir, cli: Cli) -> None:
    hostile = {"guid": "mrkdwn", "title": MRKDWN_TITLE,
               "description": "The AI Act *requires* you to _log in_ at https://evil.example/login now.",
               "link": "http://127.0.0.1/eu/real"}
    with Receiver() as slack:
        work.write_config([source("eu", server.url("/eu.xml"), "EU", relevance="all")], defaults=AI_ONLY,
                          channels=[{"id": "slack-all", "type": "slack", "url": slack.url("/hook")}])
        server.set("/eu.xml", feed_route(rss(BASELINE)))
        assert cli("poll").code == 0
        server.set("/eu.xml", feed_route(rss([*BASELINE, hostile])))
        assert cli("poll").code == 0
        assert cli("digest").code == 0
    [post] = slack.accepted()
    texts = [b["text"]["text"] for b in post.json()["blocks"] if b["type"] == "section"]
    change = next(t for t in texts if "URGENT" in t)
    assert "<http://127.0.0.1/eu/real|*" in change  # watcher's own link and bold stay
    label = change.split("|*", 1)[1].split("*>", 1)[0]
    for marker in ("*", "_", "~", "`"):
        assert marker not in label, label
    summary = change.split("\n")[2]
    for marker in ("*", "_"):
        assert marker not in summary, summary
    assert "https://evil" not in change and "www.evil" not in change  # no bare link to auto-link
    assert "URGENT" in label and "evil.example/login" in change  # still readable


# -- point 6: Apprise -----------------------------------------------------------------------------------------

PINGS = "<!channel> <!here> <@U024BE7LH> @everyone @here @channel @all <@123456789012345678> <@&987654321>"
LINKS = "<https://evil.example/login|Official notice> [Official notice](https://evil.example/login)"
APPRISE_ITEM = {"guid": "pings", "title": f"AI Act guidance {PINGS}",
                "description": f"The AI Act applies. {LINKS} &lt;!channel&gt;", "link": "http://127.0.0.1/eu/pings"}


def test_apprise_targets_get_no_mentions_or_masked_links(server: LocalServer, work: Workdir, cli: Cli,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("apprise")
    from apprise.plugins.discord import NotifyDiscord
    from apprise.plugins.slack import NotifySlack

    with Receiver() as chat:
        # Slack and Discord webhooks live at fixed hosts: Apprise is pointed at ours instead.
        monkeypatch.setattr(NotifySlack, "webhook_url", chat.url("/slack"))
        monkeypatch.setattr(NotifyDiscord, "notify_url", chat.url("/discord"))
        urls = ["slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
                "discord://123456789012345678/abcdefghijklmnopqrstuvwxyz0123456789",
                f"mmost://127.0.0.1:{chat.port}/mattermosttoken",
                f"json://127.0.0.1:{chat.port}/json"]
        work.write_config([source("eu", server.url("/eu.xml"), "EU", relevance="all")], defaults=AI_ONLY,
                          channels=[{"id": "chat", "type": "apprise", "urls": urls}])
        server.set("/eu.xml", feed_route(rss(BASELINE)))
        assert cli("poll").code == 0
        server.set("/eu.xml", feed_route(rss([*BASELINE, APPRISE_ITEM])))
        assert cli("poll").code == 0
        run = cli("digest")
        assert run.code == 0, run.err
    by_path = {p.path.split("/")[1]: p for p in chat.accepted()}
    assert set(by_path) == {"slack", "discord", "hooks", "json"}, [p.path for p in chat.posts]
    for name, post in by_path.items():
        body = post.body.decode()
        payload = json.dumps(post.json(), ensure_ascii=False)  # JSON escapes undone
        assert "AI Act guidance" in payload, name
        for live in ("<!channel>", "<!here>", "<@U024BE7LH>", "<@123456789012345678>", "<@&987654321>",
                     "<https://evil.example/login|", "](https://evil", "&lt;!channel&gt;"):
            assert live not in payload, (name, live)
        for mention in ("@everyone", "@here", "@channel", "@all"):
            assert mention not in payload, (name, mention)
        assert "\\u003c!channel" not in body, name
    discord = by_path["discord"].json()
    assert not discord.get("allow_mentions", {}).get("parse"), discord.get("allow_mentions")
    assert not discord.get("allow_mentions", {}).get("users") and not discord.get("allow_mentions", {}).get("roles")


def test_inert_covers_teams_and_rocket_chat_syntax_too() -> None:
    """Teams (Workflows) and Rocket.Chat are reached at hosts Apprise fixes: their syntax, directly."""
    from watcher.notify.apprise_channel import inert

    text = inert("<at>General</at> @all @here <b>bold</b> [Official](https://evil.example) &lt;at&gt;")
    assert "<" not in text and ">" not in text and "](" not in text and "&lt;" not in text
    assert "@all" not in text and "@here" not in text
    assert text.replace("\u200b", "").replace("\u2039", "<").replace("\u203a", ">") == (
        "<at>General</at> @all @here <b>bold</b> [Official](https://evil.example) &lt;at&gt;")
