"""`apprise`: every other service (Microsoft Teams, Discord, Telegram, Matrix,
ntfy, ...) through Apprise URLs, rather than code of our own per service.
Apprise is an optional extra: `pip install 'watcher[apprise]'`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from watcher.notify import ChannelType, DeliveryError
from watcher.sources import Key

if TYPE_CHECKING:
    from watcher.config import ChannelConfig
    from watcher.notify.digest import Digest


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
        urls = channel.options["urls"]
        notifier = apprise.Apprise()
        for url in [urls] if isinstance(urls, str) else urls:
            if not notifier.add(url):
                raise DeliveryError("Apprise does not understand one of the configured URLs (not shown: it may hold a token)")
        if not notifier.notify(title=rendered.subject, body=rendered.text):
            raise DeliveryError("Apprise reported that the notification was not delivered")
