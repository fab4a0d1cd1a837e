"""Parse stage: one module per source type, registered by name.

A source type is a subclass of `SourceType` that declares its name and its
type-specific keys; those declarations drive configuration validation and the
README's reference. Adding a type is one class in one module listed in
`_MODULES`. Type modules import their heavy parsers lazily, inside `parse`, so
loading the configuration stays cheap.
"""

from __future__ import annotations

import functools
import importlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from watcher.config import SourceConfig
    from watcher.fetch import FetchResult


@dataclass(frozen=True, slots=True)
class Key:
    """A configuration key a type accepts: its Python type, whether it is required,
    a one-line help, and an optional check returning an error message or None."""

    type: type | tuple[type, ...]
    help: str
    required: bool = False
    check: Callable[[Any], str | None] | None = None


@dataclass(slots=True)
class ParsedItem:
    """One item found in a fetched document, before diffing.

    `key` is the item's identity within its source; `text` is the plain text the
    classifier and the diff see (normalised whitespace); `dates` are dates the
    source states directly (json field maps), merged with the classifier's.
    """

    key: str
    title: str
    url: str | None = None
    published: datetime | None = None
    text: str = ""
    dates: list[dict[str, str]] = field(default_factory=list)
    # A watched document (`page`): its changes are summarised by what was added
    # and removed rather than by its opening text.
    document: bool = False


@dataclass(slots=True)
class ParseResult:
    items: list[ParsedItem]
    # A document that parsed with recoverable faults (feedparser's "bozo"): the
    # good part is kept and the fault noted on the source's health.
    warning: str | None = None
    # The text kept as evidence when this version produced changes: the watched
    # text of a `page`, the decoded document (XML, HTML, JSON) of the other types.
    evidence_text: str = ""

    def compressed_evidence(self) -> tuple[int, bytes]:
        """(size in UTF-8 bytes, zlib level 6) of `evidence_text`, as the store keeps it."""
        data = self.evidence_text.encode("utf-8")
        return len(data), zlib.compress(data, 6)


class SourceType:
    """Base of every source type. Subclasses set `name` via the class keyword."""

    registry: ClassVar[dict[str, type[SourceType]]] = {}
    name: ClassVar[str]
    keys: ClassVar[dict[str, Key]] = {}

    def __init_subclass__(cls, *, name: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = name
        SourceType.registry[name] = cls

    @classmethod
    def parse(cls, source: SourceConfig, fetched: FetchResult) -> ParseResult:
        """Turn a fetched body into items. Raises `ParseError` for a document
        that yields nothing usable. Must be pure: it runs in worker threads."""
        raise NotImplementedError


# At most this many items are read from one document (the first ones: feeds and
# listings put the newest first). A hostile or broken 100,000-entry feed would
# otherwise cost minutes of CPU and hundreds of MB; no official source lists more.
MAX_ITEMS = 2000

_MODULES = ("feed", "page_list", "page", "json_api")


@functools.cache
def _import_type_modules() -> None:
    """Import every type module, once: validation asks for the types once per entry."""
    for module in _MODULES:
        importlib.import_module(f"watcher.sources.{module}")


def source_types() -> dict[str, type[SourceType]]:
    """Every registered source type by name (imports the type modules once)."""
    _import_type_modules()
    return SourceType.registry
