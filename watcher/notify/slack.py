"""`slack`: Slack incoming webhooks with Block Kit.

A digest becomes a header, a section per change (title link, source, tags, key
dates, summary) grouped under its jurisdiction, then upcoming dates and failing
sources. Slack allows 50 blocks a message and 3,000 characters a section, so a
long digest is split across several messages, sent in order. A 429 answer's
Retry-After is honoured (the outbox will not retry earlier).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from watcher.notify import ChannelType, DeliveryError, http_url
from watcher.sources import Key

if TYPE_CHECKING:
    from watcher.config import ChannelConfig
    from watcher.notify.digest import Digest, DigestChange

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
# Once part of a split digest is in Slack, a 429 is waited out here (up to this many
# seconds in all) rather than failed: a retry would send the earlier messages again.
MAX_INLINE_WAIT = 30.0


class SlackChannel(ChannelType, name="slack"):
    keys = {"url": Key(str, "Slack incoming-webhook URL (use ${VAR})", required=True, check=http_url)}

    @classmethod
    def send(cls, channel: ChannelConfig, digest: Digest) -> None:
        import time

        import httpx

        messages = slack_messages(digest)
        waited = 0.0
        with httpx.Client(timeout=30, follow_redirects=False) as client:
            for number, payload in enumerate(messages, start=1):
                while True:
                    try:
                        resp = client.post(channel.options["url"], json=payload)
                    except httpx.HTTPError as exc:
                        raise DeliveryError(f"Slack webhook unreachable: {type(exc).__name__}") from None
                    if resp.status_code != 429:
                        break
                    retry = resp.headers.get("retry-after", "")
                    delay = float(retry) if retry.isdigit() else 60.0
                    if number > 1 and waited + delay <= MAX_INLINE_WAIT:
                        time.sleep(delay)
                        waited += delay
                        continue
                    raise DeliveryError(f"Slack rate limit (429) on message {number}/{len(messages)}",
                                        retry_after=delay)
                if resp.status_code >= 300:
                    # The URL holds the secret: never put it in a message.
                    raise DeliveryError(f"Slack answered HTTP {resp.status_code} on message {number}/{len(messages)}: "
                                        f"{resp.text[:200]}")


def slack_messages(digest: Digest) -> list[dict[str, Any]]:
    """The webhook payloads for `digest`, each within Slack's limits."""
    blocks: list[dict[str, Any]] = []
    for group in digest.groups:
        blocks.append(_section(f"*{escape(group.jurisdiction)}* — {group.count} change{'s' * (group.count != 1)}"))
        for tag_group in group.tags:
            for change in tag_group.changes:
                blocks.append(_section(change_text(change)))
        blocks.append({"type": "divider"})
    if digest.upcoming:
        lines = [f"• {escape(u.date)} {escape(u.kind)}: {link(u.url, u.title)} ({escape(', '.join(u.jurisdictions))})"
                 for u in digest.upcoming]
        blocks.extend(_sections("*Upcoming dates (next 90 days)*", lines))
    if digest.failing:
        lines = [f"• `{escape(f.id)}`: {f.failures} failures, last error: {escape(f.last_error[:200])}"
                 for f in digest.failing]
        blocks.extend(_sections("*Sources failing*", lines))
    header = {"type": "header", "text": {"type": "plain_text", "text": digest.subject[:MAX_HEADER], "emoji": False}}
    per_message = MAX_BLOCKS - 1
    chunks = [blocks[i:i + per_message] for i in range(0, len(blocks), per_message)] or [[]]
    messages = []
    for n, chunk in enumerate(chunks, start=1):
        suffix = f" ({n}/{len(chunks)})" if len(chunks) > 1 else ""
        head = dict(header, text=dict(header["text"], text=(digest.subject[:MAX_HEADER - len(suffix)] + suffix)))
        messages.append({"text": digest.subject + suffix, "blocks": [head, *chunk]})
    return messages


def change_text(c: DigestChange) -> str:
    meta = [escape(c.source_name), "updated" if c.kind == "updated" else "new"]
    if c.tags:
        meta.append(" ".join(f"`{escape(t)}`" for t in c.tags))
    meta += [f"{escape(d['kind'])} *{escape(d['date'])}*" for d in c.dates]
    lines = [link(c.url, c.title), " · ".join(meta)]
    if c.added:
        lines.append("Added: " + escape(" / ".join(c.added))[:600])
    if c.removed:
        lines.append("Removed: ~" + escape(" / ".join(c.removed))[:600] + "~")
    if c.summary and not c.added:
        lines.append(escape(c.summary))
    return _fit("\n".join(lines))


def escape(text: str) -> str:
    """Slack mrkdwn escaping: &, < and > are the control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, title: str) -> str:
    label = escape(title).replace("|", "¦")
    if url and url.startswith(("http://", "https://")):
        return f"<{escape(url).replace('|', '%7C')}|*{label}*>"
    return f"*{label}*"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _fit(text)}}


def _sections(title: str, lines: list[str]) -> list[dict[str, Any]]:
    """`lines` under `title`, packed into as few sections as the text limit allows."""
    out, current = [], title
    for line in lines:
        if len(current) + 1 + len(line) > MAX_SECTION:
            out.append(_section(current))
            current = line
        else:
            current += "\n" + line
    out.append(_section(current))
    return out


def _fit(text: str) -> str:
    return text if len(text) <= MAX_SECTION else text[: MAX_SECTION - 1] + "…"
