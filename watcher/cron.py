"""Cron schedules of digest channels, read the way cron reads them.

APScheduler 3's `CronTrigger.from_crontab` numbers weekdays from Monday = 0, so
"0 8 * * 1" (Monday in every cron) would fire on Tuesdays; here the weekday
field is translated to names first (0 and 7 = Sunday, as cron has it).
`window_start` finds the last fire time at or before an instant, with all
arithmetic in UTC so that the repeated hour of a DST fall-back cannot stall it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def cron_trigger(expr: str, timezone: str = "UTC") -> CronTrigger:
    """A trigger for a 5-field cron expression in `timezone`. Raises ValueError
    with the reason when the expression is not valid."""
    from zoneinfo import ZoneInfo

    from apscheduler.triggers.cron import CronTrigger

    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"'{expr}' must have 5 fields (minute hour day month weekday), e.g. '0 8 * * 1-5'")
    minute, hour, day, month, weekday = fields
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=_weekdays(weekday),
                       timezone=ZoneInfo(timezone))


def _weekdays(field: str) -> str:
    """cron's weekday field (numbers 0-7, names, ranges, lists, steps) as APScheduler day names."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.lower().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise ValueError(f"weekday step '{step_text}' must be positive")
        if part == "*":
            start, end = 0, 6
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = _day(first), _day(last)
            if end == 0 and start > 0:  # "5-7" / "fri-sun": 7 is Sunday at the end of the week
                end = 7
        else:
            start = end = _day(part)
        if start > end:
            raise ValueError(f"weekday range '{part}' runs backwards")
        days.update(d % 7 for d in range(start, end + 1, step))
    return ",".join(_DAY_NAMES[d] for d in sorted(days))


def _day(token: str) -> int:
    if token.isdigit():
        number = int(token)
        if not 0 <= number <= 7:
            raise ValueError(f"weekday '{token}' must be 0-7 (0 and 7 are Sunday) or a name such as mon")
        return number % 7
    if token[:3] in _DAY_NAMES:
        return _DAY_NAMES.index(token[:3])
    raise ValueError(f"weekday '{token}' must be 0-7 or a name such as mon")


def window_start(trigger: CronTrigger, at: datetime) -> datetime | None:
    """The trigger's last fire time at or before `at` (None if none in the last 400 days).

    Looks back over growing spans (a minute, an hour, a day, a week, ...) so a
    minute-level schedule costs a step or two, not thousands.
    """
    at_utc = at.astimezone(UTC)
    for span in (timedelta(minutes=2), timedelta(hours=2), timedelta(days=2), timedelta(days=9),
                 timedelta(days=35), timedelta(days=400)):
        fire = trigger.get_next_fire_time(None, at_utc - span)
        if fire is None or fire.astimezone(UTC) > at_utc:
            continue
        last = fire
        for _ in range(100_000):
            # Step from one second past the last fire, in UTC: wall-clock arithmetic
            # would stand still in the repeated hour of a fall-back.
            nxt = trigger.get_next_fire_time(last, last.astimezone(UTC) + timedelta(seconds=1))
            if nxt is None or nxt.astimezone(UTC) > at_utc or nxt.astimezone(UTC) <= last.astimezone(UTC):
                break
            last = nxt
        return last
    return None
