"""Notify stage: channels, the outbox, digests.

A channel type is a subclass of `ChannelType` that declares its name and keys
(the same `Key` declarations as source types, driving validation and the README)
and implements `send`. Adding Discord or Teams natively would be one class in
one module listed in `_MODULES`; most services are reached through `apprise`.

Entry points: `outbox.enqueue` (during a poll), `outbox.send_instant` (after a
poll) and `outbox.send_digests` (`watcher digest`, the scheduler).
"""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING, Any, ClassVar

from watcher.errors import WatcherError
from watcher.sources import Key

if TYPE_CHECKING:
    from watcher.config import ChannelConfig
    from watcher.notify.digest import Digest


class DeliveryError(WatcherError):
    """The receiver did not accept a message. `retry_after` (seconds) is the
    receiver's own request (Slack's 429 Retry-After), a floor on the next try.
    `accepted` holds the ids of changes already delivered by earlier parts of a
    message sent in several (Slack): a retry leaves them out."""

    def __init__(self, message: str, *, retry_after: float | None = None,
                 accepted: frozenset[int] = frozenset()):
        super().__init__(message)
        self.retry_after = retry_after
        self.accepted = accepted


class MessageTooLarge(DeliveryError):
    """The message is over the channel's maximum, or the receiver refused it for its
    size (SMTP 552, HTTP 413, Slack `msg_too_long`): sending it again cannot work.
    The outbox splits it, and a single change it cannot send is marked failed."""


class ChannelType:
    registry: ClassVar[dict[str, type[ChannelType]]] = {}
    name: ClassVar[str]
    keys: ClassVar[dict[str, Key]] = {}

    def __init_subclass__(cls, *, name: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = name
        ChannelType.registry[name] = cls

    @classmethod
    def send(cls, channel: ChannelConfig, digest: Digest) -> None:
        """Deliver `digest` (a scheduled digest or an instant alert). Returns only
        once the receiver accepted it; raises `DeliveryError` otherwise."""
        raise NotImplementedError


_MODULES = ("email", "slack", "webhook", "apprise_channel")


@functools.cache
def _import_type_modules() -> None:
    """Import every type module, once: validation asks for the types once per entry."""
    for module in _MODULES:
        importlib.import_module(f"watcher.notify.{module}")


def channel_types() -> dict[str, type[ChannelType]]:
    """Every registered channel type by name."""
    _import_type_modules()
    return ChannelType.registry


def http_url(value: str) -> str | None:
    """Key check: an http(s) URL."""
    if not value.startswith(("http://", "https://")):
        return f"'{value}' must be an http:// or https:// URL"
    return None
