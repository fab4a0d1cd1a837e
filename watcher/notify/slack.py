"""`slack`: Slack incoming webhooks with Block Kit.

A digest becomes a header, a section per change (title link, source, tags, key
dates, summary) grouped under its jurisdiction, then upcoming dates and failing
sources. Slack allows 50 blocks a message and 3,000 characters a section, so a
long digest is split across several messages, sent in order. A 429 answer's
Retry-After is honoured (the outbox will not retry earlier). When a later message
fails, the error names the changes the earlier ones delivered, so the outbox marks
them sent and a retry carries only the rest. A 413 or `msg_too_long` answer is a
`MessageTooLarge`: the outbox splits the digest.

Fetched text is shown as text: `&`, `<` and `>` are escaped (no `<!channel>`, no
`<https://evil|Official notice>`), and Slack has no backslash escape for its
mrkdwn, so its markers in fetched text are replaced by lookalikes (`*` by U+2217
∗, `_` by U+02CD ˍ, `~` by U+223C ∼, the backtick by U+02CB ˋ) and a bare link's
`://` by `∶//` (U+2236), `www.` by `www․` (U+2024): no bold, italics, strike,
code or link a source did not get from watcher itself.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from watcher.notify import ChannelType, DeliveryError, MessageTooLarge, http_url
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

        parts = slack_parts(digest)
        waited = 0.0
        delivered: set[int] = set()  # change ids of the messages Slack accepted
        with httpx.Client(timeout=30, follow_redirects=False) as client:
            for number, (payload, change_ids) in enumerate(parts, start=1):
                where = f"message {number}/{len(parts)}"
                while True:
                    try:
                        resp = client.post(channel.options["url"], json=payload)
                    except httpx.HTTPError as exc:
                        raise DeliveryError(f"Slack webhook unreachable on {where}: {type(exc).__name__}",
                                            accepted=frozenset(delivered)) from None
                    if resp.status_code != 429:
                        break
                    retry = resp.headers.get("retry-after", "")
                    delay = float(retry) if retry.isdigit() else 60.0
                    if number > 1 and waited + delay <= MAX_INLINE_WAIT:
                        time.sleep(delay)
                        waited += delay
                        continue
                    raise DeliveryError(f"Slack rate limit (429) on {where}", retry_after=delay,
                                        accepted=frozenset(delivered))
                if resp.status_code == 413 or "msg_too_long" in resp.text[:200]:
                    raise MessageTooLarge(f"Slack refused {where} as too large (HTTP {resp.status_code})",
                                          accepted=frozenset(delivered))
                if resp.status_code >= 300:
                    # The URL holds the secret: never put it in a message.
                    raise DeliveryError(f"Slack answered HTTP {resp.status_code} on {where}: {resp.text[:200]}",
                                        accepted=frozenset(delivered))
                delivered |= change_ids


def slack_messages(digest: Digest) -> list[dict[str, Any]]:
    """The webhook payloads for `digest`, each within Slack's limits."""
    return [payload for payload, _ in slack_parts(digest)]


def slack_parts(digest: Digest) -> list[tuple[dict[str, Any], frozenset[int]]]:
    """(payload, ids of the changes it carries) for each message of `digest`, in order."""
    blocks: list[tuple[dict[str, Any], int | None]] = []
    for group in digest.groups:
        blocks.append((_section(f"*{escape(group.jurisdiction)}* — {group.count} "
                                f"change{'s' * (group.count != 1)}"), None))
        for tag_group in group.tags:
            for change in tag_group.changes:
                blocks.append((_section(change_text(change)), change.id))
        blocks.append(({"type": "divider"}, None))
    if digest.upcoming:
        lines = [f"• {escape(u.date)} {escape(u.kind)}: {link(u.url, u.title)} ({escape(', '.join(u.jurisdictions))})"
                 for u in digest.upcoming]
        blocks.extend((b, None) for b in _sections("*Upcoming dates (next 90 days)*", lines))
    if digest.failing:
        lines = [f"• `{escape(f.id)}`: {f.failures} failures, last error: {plain(f.last_error[:200])}"
                 for f in digest.failing]
        blocks.extend((b, None) for b in _sections("*Sources failing*", lines))
    header = {"type": "header", "text": {"type": "plain_text", "text": digest.subject[:MAX_HEADER], "emoji": False}}
    per_message = MAX_BLOCKS - 1
    chunks = [blocks[i:i + per_message] for i in range(0, len(blocks), per_message)] or [[]]
    parts = []
    for n, chunk in enumerate(chunks, start=1):
        suffix = f" ({n}/{len(chunks)})" if len(chunks) > 1 else ""
        head = dict(header, text=dict(header["text"], text=(digest.subject[:MAX_HEADER - len(suffix)] + suffix)))
        payload = {"text": digest.subject + suffix, "blocks": [head, *(b for b, _ in chunk)]}
        parts.append((payload, frozenset(change_id for _, change_id in chunk if change_id is not None)))
    return parts


def change_text(c: DigestChange) -> str:
    meta = [escape(c.source_name), "updated" if c.kind == "updated" else "new"]
    if c.tags:
        meta.append(" ".join(f"`{escape(t)}`" for t in c.tags))
    meta += [f"{escape(d['kind'])} *{escape(d['date'])}*" for d in c.dates]
    lines = [link(c.url, c.title), " · ".join(meta)]
    if c.added:
        more = f" (… {c.more_added} more lines)" if c.more_added else ""
        lines.append("Added: " + plain(" / ".join(c.added))[:600] + more)
    if c.removed:
        more = f" (… {c.more_removed} more lines)" if c.more_removed else ""
        lines.append("Removed: ~" + plain(" / ".join(c.removed))[:600] + "~" + more)
    if c.summary and not c.added:
        lines.append(plain(c.summary))
    if c.cut:
        lines.append(f"_Shortened: the whole change is_ `watcher show {c.id}`")
    return _fit("\n".join(lines))


def escape(text: str) -> str:
    """Slack mrkdwn escaping: &, < and > are the control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Slack's mrkdwn markers and bare-link starts in fetched text, and their lookalikes.
_MRKDWN = re.compile(r"[*_~`]|://|(?i:www)\.")
_LOOKALIKE = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb", "://": "\u2236//"}


def plain(text: str) -> str:
    """Fetched text shown as it reads: `escape`d, and no mrkdwn formatting or bare link
    (see the module's docstring for the lookalikes)."""
    return _MRKDWN.sub(lambda m: _LOOKALIKE.get(m.group(), m.group()[:3] + "\u2024"), escape(text))


def link(url: str | None, title: str) -> str:
    label = plain(title).replace("|", "¦")
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
