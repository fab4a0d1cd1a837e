"""Notify stage: one module per channel type, registered by name.

A channel type is a subclass of `ChannelType` declaring its name and keys
(the same `Key` declarations as source types), so adding Discord or Teams is
one class. Delivery itself lands with the alerts issue; until then every
channel validates and `deliver` answers "not yet supported".
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

from watcher.sources import Key


class ChannelType:
    registry: ClassVar[dict[str, type[ChannelType]]] = {}
    name: ClassVar[str]
    keys: ClassVar[dict[str, Key]] = {}
    supported: ClassVar[bool] = False

    def __init_subclass__(cls, *, name: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = name
        ChannelType.registry[name] = cls


_MODULES = ("channels",)


def channel_types() -> dict[str, type[ChannelType]]:
    """Every registered channel type by name."""
    for module in _MODULES:
        importlib.import_module(f"watcher.notify.{module}")
    return ChannelType.registry
