"""Durations as the configuration writes them: ``90s``, ``15m``, ``6h``, ``1d``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds in `text`; raises ValueError with a message saying the accepted form."""
    m = _DURATION.match(str(text))
    if not m:
        raise ValueError(f"'{text}' is not a duration; write a number and a unit: 90s, 15m, 6h or 1d")
    seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    if seconds <= 0:
        raise ValueError(f"'{text}' must be longer than zero")
    return seconds


def parse_since(text: str, now: datetime) -> datetime:
    """A `--since` value: a duration back from `now` (``7d``) or an ISO date/time (UTC if naive)."""
    try:
        return now - timedelta(seconds=parse_duration(text))
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'{text}' is neither a duration (7d, 12h) nor a date (2026-01-01)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
