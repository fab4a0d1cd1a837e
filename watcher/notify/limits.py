"""The sizes of what a channel sends: fetched text is hostile and may be megabytes.

Each change is cut to these limits in every channel (e-mail text and HTML, Slack,
Apprise, webhooks) before any rendering; what is left out is counted ("… 12 more
lines") and the message points to `watcher show ID` for the whole change. A whole
message also has a maximum per channel; one over it, or one the receiver refuses
for its size, is split (see `watcher.notify.outbox`).
"""

from __future__ import annotations

MAX_TITLE = 500  # characters of a change's (or an upcoming date's) title
MAX_SUMMARY = 1_000  # characters of a change's summary
MAX_DIFF_LINES = 20  # added lines, and removed lines, shown per updated document
MAX_DIFF_LINE = 500  # characters of each of those lines
MAX_ERROR = 500  # characters of a failing source's last error

MAX_EMAIL_BYTES = 5 * 1024 * 1024  # a whole e-mail, MIME-encoded (common servers refuse 10-25 MB)
MAX_WEBHOOK_BYTES = 2 * 1024 * 1024  # a webhook's JSON body
MAX_APPRISE_CHARS = 256 * 1024  # the text handed to Apprise (services cut or split it further)


def cut(text: str, limit: int) -> tuple[str, bool]:
    """(`text` at most `limit` characters, ending in "…" when cut; whether it was cut)."""
    if len(text) <= limit:
        return text, False
    return text[: limit - 1].rstrip() + "…", True
