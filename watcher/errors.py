"""The error hierarchy. Every error a user can cause or meet has a class here,
and the CLI maps each family to an exit code (SPEC.md: 2 bad usage or
configuration, 3 some sources or deliveries failed)."""

from __future__ import annotations

from dataclasses import dataclass


class WatcherError(Exception):
    """Base of every error watcher raises on purpose."""

    exit_code = 3


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One fault in a configuration file, located well enough to fix it."""

    file: str
    where: str  # "source 'kr-msit'", "channel 'slack'", "defaults", or "" for the file itself
    key: str  # the key at fault, "" when the fault is not one key's
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.where:
            parts.append(self.where)
        if self.key:
            parts.append(f"key '{self.key}'")
        return ": ".join(parts) + ": " + self.message


class ConfigError(WatcherError):
    """The configuration is invalid; nothing was done. Carries every problem found."""

    exit_code = 2

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class UsageError(WatcherError):
    """A command was called with arguments that cannot work (exit 2)."""

    exit_code = 2


class StoreError(WatcherError):
    """The store cannot be opened, migrated or written (exit 3)."""


class FetchError(WatcherError):
    """Fetching a source failed. `kind` is a short stable word for health views."""

    kind = "fetch"

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class TimeoutFetchError(FetchError):
    kind = "timeout"


class ConnectFetchError(FetchError):
    kind = "connect"


class HTTPStatusFetchError(FetchError):
    kind = "http"


class TooLargeFetchError(FetchError):
    kind = "too-large"


class RedirectFetchError(FetchError):
    kind = "redirect"


class ParseError(WatcherError):
    """A fetched document could not be turned into items (not a feed, soft block...)."""
