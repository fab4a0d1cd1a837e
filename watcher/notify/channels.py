"""Channel types and their configuration keys (SPEC.md `channels`).

Delivery is not built yet: these classes declare what each channel accepts so
that `check-config` validates real configurations today.
"""

from __future__ import annotations

from watcher.notify import ChannelType
from watcher.sources import Key


def _http_url(value: str) -> str | None:
    if not value.startswith(("http://", "https://")):
        return f"'{value}' must be an http:// or https:// URL"
    return None


def _smtp(value: dict) -> str | None:
    allowed = {"host", "port", "starttls", "tls", "username", "password", "timeout"}
    unknown = set(value) - allowed
    if unknown:
        return f"unknown smtp key(s) {sorted(unknown)}; allowed: {sorted(allowed)}"
    if "host" not in value:
        return "smtp needs a 'host'"
    if "port" in value and not isinstance(value["port"], int):
        return "smtp 'port' must be a number"
    return None


class EmailChannel(ChannelType, name="email"):
    keys = {
        "to": Key((list, str), "recipient address or list of addresses", required=True),
        "from": Key(str, "sender address", required=True),
        "smtp": Key(dict, "{host, port, starttls|tls, username, password}", required=True, check=_smtp),
        "subject": Key(str, "subject prefix (default 'AI regulation')"),
    }


class SlackChannel(ChannelType, name="slack"):
    keys = {"url": Key(str, "Slack incoming-webhook URL (use ${VAR})", required=True, check=_http_url)}


class WebhookChannel(ChannelType, name="webhook"):
    keys = {
        "url": Key(str, "endpoint receiving a signed JSON POST", required=True, check=_http_url),
        "secret": Key(str, "HMAC-SHA256 key for X-Watcher-Signature (use ${VAR})"),
    }


class AppriseChannel(ChannelType, name="apprise"):
    keys = {"urls": Key((list, str), "Apprise URL or list of URLs", required=True)}
