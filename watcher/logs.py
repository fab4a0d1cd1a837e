"""Logging: one line per event, JSON when stderr is not a terminal (journald, log
shippers), `key=value` text when it is. Every record passes a redaction filter
that blanks the values of the environment variables the configuration
substitutes (`${SMTP_PASSWORD}` ...), so a secret never reaches a log line even
inside an error message."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("watcher")
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class _Redact(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self.scrub(str(record.msg))
            for key, value in list(vars(record).items()):
                if key not in _RESERVED and isinstance(value, str):
                    setattr(record, key, self.scrub(value))
        return True

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


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
    """The strings to blank in every log line (values substituted from ${VAR})."""
    _redact.secrets = sorted({v for v in values if v and len(v) >= 4}, key=len, reverse=True)


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event with structured fields: event("poll.source", source="kr-msit", ms=12)."""
    log.log(level, name, extra=fields)
