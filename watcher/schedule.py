"""Schedule stage: when a source is polled next. One small pure function, as
Miniflux's ScheduleNextCheck: the interval, stretched by failures and by what the
server asked for."""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_BACKOFF = 24 * 3600.0  # a failing source is still tried at least daily
MAX_HINT = 7 * 24 * 3600.0  # no server hint may silence a source for more than a week


def next_poll_at(
    now: datetime,
    interval: float,
    failures: int = 0,
    retry_after: float | None = None,
    max_age: float | None = None,
    jitter: float = 0.0,
) -> datetime:
    """When to poll next.

    - healthy: `interval` after `now`;
    - after `failures` consecutive failures: interval x 2^(failures-1), capped at
      a day (or the interval, if longer);
    - `retry_after` (429/503 Retry-After) and `max_age` (Cache-Control max-age or
      Expires) are floors: never poll earlier than the server asked, capped at a week;
    - `jitter` in [0, 1) adds up to a tenth of the delay (at most 10 minutes), so
      sources configured alike do not all fall due in the same second.
    """
    delay = interval
    if failures > 0:
        delay = min(interval * 2 ** min(failures - 1, 16), max(MAX_BACKOFF, interval))
    for hint in (retry_after, max_age):
        if hint is not None and hint > delay:
            delay = min(hint, MAX_HINT)
    return now + timedelta(seconds=delay + min(delay * 0.1, 600.0) * jitter)
