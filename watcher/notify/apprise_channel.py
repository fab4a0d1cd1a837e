"""`apprise`: every other service (Microsoft Teams, Discord, Telegram, Matrix,
ntfy, ...) through Apprise URLs, rather than code of our own per service.
Apprise is an optional extra: `pip install 'watcher[apprise]'`.

The text sent is the plain-text digest with every service's mention and link
syntax made inert, for whichever service a URL names (Apprise itself turns
`<!channel>`, `&lt;!channel&gt;` and `@everyone` back into live mentions):
`<` and `>` become the lookalikes ‹ and › (no Slack `<!channel>`, `<@U…>` or
`<https://evil|Official notice>`, no Discord `<@id>` or `<@&id>`, no Teams `<at>`
or HTML); a zero-width space follows every `@` that starts a name (no
`@everyone`, `@here`, `@channel`, `@all`) and every `&` that starts an entity;
and one separates a Markdown link's `](` (no masked `[text](url)`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from watcher.notify import ChannelType, DeliveryError, MessageTooLarge
from watcher.notify.limits import MAX_APPRISE_CHARS
from watcher.sources import Key

if TYPE_CHECKING:
    from watcher.config import ChannelConfig
    from watcher.notify.digest import Digest

_ZWSP = "\u200b"
_BRACKETS = str.maketrans({"<": "\u2039", ">": "\u203a"})
# `@name`, `@&role`, `@!id`; `&lt;`, `&#60;`; `](`: each gets a zero-width space inside.
_LIVE = re.compile(r"(?<=@)(?=[\w&!#])|(?<=&)(?=[a-zA-Z#]\w*;)|(?<=\])(?=\()")


def inert(text: str) -> str:
    """`text` with no mention or link syntax any chat service (Slack, Discord, Teams,
    Mattermost, Rocket.Chat, Matrix...) acts on; it reads the same."""
    return _LIVE.sub(_ZWSP, text.translate(_BRACKETS))


class AppriseChannel(ChannelType, name="apprise"):
    keys = {
        "urls": Key((list, str), "Apprise URL or list of URLs (use ${VAR} for tokens)", required=True),
        "templates": Key(str, "directory of templates overriding the bundled ones"),
    }

    @classmethod
    def send(cls, channel: ChannelConfig, digest: Digest) -> None:
        try:
            import apprise
        except ImportError:
            raise DeliveryError("the apprise channel needs Apprise: pip install 'watcher[apprise]'") from None
        from watcher.notify.render import render_digest

        rendered = render_digest(digest, channel.options.get("templates"))
        body = inert(rendered.text)
        if len(body) > MAX_APPRISE_CHARS:
            raise MessageTooLarge(f"the text is {len(body):,} characters, over the {MAX_APPRISE_CHARS:,} "
                                  "an Apprise message may be")
        urls = channel.options["urls"]
        notifier = apprise.Apprise()
        for url in [urls] if isinstance(urls, str) else urls:
            if not notifier.add(url):
                raise DeliveryError("Apprise does not understand one of the configured URLs (not shown: it may hold a token)")
        if not notifier.notify(title=inert(rendered.subject), body=body):
            raise DeliveryError("Apprise reported that the notification was not delivered")
