"""Logging: one line per event, JSON when stderr is not a terminal (journald, log
shippers), `key=value` text when it is. Every record passes a redaction filter
that blanks the values of the environment variables the configuration
substitutes (`${SMTP_PASSWORD}` ...), whatever their length, so a secret never
reaches a log line even inside an error message."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from watcher.secrets import MASK, WEAK_SECRET_LENGTH, secret_pattern, weak_secrets

log = logging.getLogger("watcher")
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class _Redact(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.pattern: re.Pattern[str] | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if self.pattern is not None:
            record.msg, record.args = self.scrub(record.getMessage()), None
            for key, value in list(vars(record).items()):
                if key not in _RESERVED:
                    setattr(record, key, self.scrub(value))
        return True

    def scrub(self, value: Any) -> Any:
        """`value` with every secret blanked in its strings, inside lists and mappings
        too. Only values: the blanked line must stay valid JSON whatever the secret."""
        if self.pattern is None:
            return value
        if isinstance(value, str):
            return self.pattern.sub(MASK, value)
        if isinstance(value, list | tuple):
            return [self.scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        return value


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        data.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        return json.dumps(data, ensure_ascii=False, default=str)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _RESERVED)
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        return f"{stamp} {record.levelname.lower():7} {record.getMessage()}" + (f"  {extra}" if extra else "")


_redact = _Redact()


def configure(level: str = "info", json_lines: bool | None = None) -> None:
    """Send watcher's log to stderr, as JSON lines unless stderr is a terminal."""
    handler = logging.StreamHandler(sys.stderr)
    as_json = not sys.stderr.isatty() if json_lines is None else json_lines
    handler.setFormatter(_JsonFormatter() if as_json else _TextFormatter())
    handler.addFilter(_redact)
    log.handlers[:] = [handler]
    log.setLevel(level.upper())
    log.propagate = False


def set_secrets(values: list[str]) -> None:
    """The strings to blank in every log line (values substituted from ${VAR}), every
    one whatever its length. A short one also blanks ordinary text that holds it,
    so it is logged as weak (once per call, naming no value)."""
    _redact.pattern = secret_pattern(values)
    if weak := weak_secrets(values):
        event("config.weak_secret", logging.WARNING, count=weak,
              hint=f"{weak} value(s) substituted from ${{VAR}} are shorter than {WEAK_SECRET_LENGTH} characters: "
                   "they are blanked wherever they appear in the log, ordinary words included; use longer secrets")


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event with structured fields: event("poll.source", source="kr-msit", ms=12)."""
    log.log(level, name, extra=fields)
