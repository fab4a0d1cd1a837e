"""Writing published files atomically, and the service's regeneration after a poll."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watcher.config import Config, PublishConfig
    from watcher.store.db import Store

FEED_ENTRIES = 100  # the newest changes in a published feed
REPORT_ROWS = 500  # the newest changes in a published report's table


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write `data` to `path` through a temporary file in the same directory and a
    rename, so a web server publishing the directory never serves half a file.
    Creates the directory. Returns the path written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def publish_all(publish: PublishConfig, store: Store, config: Config | None = None, *,
                now: datetime | None = None) -> list[Path]:
    """Regenerate every output `publish` turns on (calendar, feed, report) from `store`,
    each written atomically into `publish.dir`. Returns the paths written. Raises on
    failure (the service logs it and goes on)."""
    from watcher.publish.atom import build_feed
    from watcher.publish.calendar import build_events, to_ics
    from watcher.publish.report import render_report
    from watcher.store.queries import ChangeFilter

    now = now or datetime.now(UTC)
    base = ChangeFilter(jurisdictions=publish.filter.jurisdictions, tags=publish.filter.tags, limit=None)
    written: list[Path] = []
    with store.session() as session:
        if publish.calendar:
            written.append(write_atomic(publish.dir / publish.calendar, to_ics(build_events(session, base), now=now)))
        if publish.feed:
            feed = build_feed(session, replace(base, limit=FEED_ENTRIES, include_baseline=False), now=now)
            written.append(write_atomic(publish.dir / publish.feed, feed))
        if publish.report:
            html = render_report(session, replace(base, limit=REPORT_ROWS), config=config, now=now)
            written.append(write_atomic(publish.dir / publish.report / "index.html", html))
    return written
