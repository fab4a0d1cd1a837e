"""`watcher run`: the long-running service.

An APScheduler background scheduler runs one job, the *tick*, every few seconds
(never two at once). Each tick:

1. polls the sources that are due: their `next_poll_at` (kept in the store, set
   by `schedule.next_poll_at` with backoff, server hints and jitter) has passed,
   or they were never polled. A restart therefore neither skips nor repeats
   work, and polls missed while the service was down are coalesced into one;
2. sends the `instant` channels what those polls queued;
3. sends each digest channel whose schedule window has started and not yet been
   handled. The window is the channel's last cron fire time in its time zone
   (`outbox.period_of`, DST-safe); a window is handled once, whether its digest
   had changes to send or not, so a digest goes out once per period, and a
   window missed while the service was down is caught up at start.

SIGHUP reloads the configuration (a broken one is logged and the old one
kept); SIGTERM and SIGINT end the poll in flight after the source in hand (what
was stored stays stored) and exit within a bounded time.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from watcher.config import _ENV as ENV_REFERENCE
from watcher.config import Config, load_config
from watcher.config import config_path as resolve_config_path
from watcher.errors import ConfigError
from watcher.logs import event, set_secrets
from watcher.notify.outbox import period_of, send_digests, send_instant
from watcher.poll import poll_sources
from watcher.store import claims
from watcher.store.db import Store, open_store
from watcher.store.models import Digest as DigestRow
from watcher.store.models import SourceState

STOP_GRACE = 8.0  # seconds SIGTERM waits for the tick in flight before leaving anyway
LEASE = 600.0  # seconds a claimed source is this instance's; a dead instance's sources are taken over after


class Service:
    def __init__(self, config_path: str | None, db_url: str | None, *, tick: float = 5.0, lease: float = LEASE,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.config_path = config_path
        self.config: Config = load_config(config_path)
        self._secrets: set[str] = set()
        self._add_secrets(self.config.substituted)
        self.store: Store = open_store(db_url)
        self.tick_seconds = tick
        self.lease = timedelta(seconds=lease)
        self.owner = claims.instance_id()  # this instance's name in source leases
        self._lock = None  # SQLite: the single-instance lock, taken by run()
        self.clock = clock
        self.stop = threading.Event()
        self.reload = threading.Event()
        self._ticking = threading.Lock()
        self._published = False  # the first tick publishes, later ones after polls that recorded changes

    # -- lifecycle ------------------------------------------------------------------

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT. Returns the exit code. On SQLite, raises UsageError
        (exit 2) when another instance already serves the same store."""
        from apscheduler.schedulers.background import BackgroundScheduler

        try:
            self._lock = claims.single_instance_lock(self.store)
        except BaseException:
            self.store.close()
            raise

        signal.signal(signal.SIGTERM, lambda *_: self.stop.set())
        signal.signal(signal.SIGINT, lambda *_: self.stop.set())
        signal.signal(signal.SIGHUP, lambda *_: self.reload.set())
        # The tick guards itself against overlap; APScheduler's "skipped: maximum
        # number of running instances" notes would only be noise in the log.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
        scheduler = BackgroundScheduler(timezone=UTC)
        scheduler.add_job(self.tick, "interval", seconds=self.tick_seconds, id="tick", max_instances=1,
                          coalesce=True, next_run_time=datetime.now(UTC))
        event("service.start", sources=len(self.config.sources), channels=len(self.config.channels),
              tick_seconds=self.tick_seconds, pid=os.getpid(), instance=self.owner,
              backend=self.store.engine.dialect.name)
        scheduler.start()
        try:
            while not self.stop.wait(0.2):
                if self.reload.is_set():
                    self.reload.clear()
                    self.reload_config()
        finally:
            scheduler.shutdown(wait=False)
            started = time.monotonic()
            # The tick in flight ends after the source in hand; wait for it, boundedly.
            if self._ticking.acquire(timeout=STOP_GRACE):
                self._ticking.release()
            with contextlib.suppress(Exception):  # the store may be gone; the leases then run out
                claims.release(self.store, self.owner)
            self.store.close()
            if self._lock is not None:
                self._lock.close()
            event("service.stop", waited_s=round(time.monotonic() - started, 2))
            logging.shutdown()
        return 0

    def reload_config(self) -> None:
        try:
            config = load_config(self.config_path)
        except ConfigError as exc:
            # A fault may quote a value substituted from ${VAR} ("url 'ftp://...?token=...'"):
            # blank every variable the rejected file refers to before logging it.
            self._add_secrets(_referenced_env(self.config_path))
            event("config.rejected", logging.ERROR, error=str(exc), kept="previous configuration")
            return
        self.config = config
        self._published = False  # `publish:` may have changed: regenerate on the next tick
        self._add_secrets(config.substituted)
        event("config.reloaded", sources=len(config.sources), channels=len(config.channels))

    def _add_secrets(self, values: Iterable[str]) -> None:
        # Cumulative: a tick still running with the previous configuration keeps its secrets blanked.
        self._secrets.update(values)
        set_secrets(list(self._secrets))

    # -- the tick --------------------------------------------------------------------

    def tick(self) -> None:
        if self.stop.is_set() or not self._ticking.acquire(blocking=False):
            return
        try:
            config = self.config  # one configuration for the whole tick, even if SIGHUP swaps it
            recorded = self.poll_due(config)
            if config.publish is not None and (recorded or not self._published) and not self.stop.is_set():
                self.publish(config)
            if not self.stop.is_set():
                self.send_due_digests(config)
        except Exception as exc:  # noqa: BLE001 - the service outlives any one bad tick
            event("tick.failed", logging.ERROR, error=f"{type(exc).__name__}: {exc}")
        finally:
            self._ticking.release()

    def publish(self, config: Config) -> None:
        """Regenerate the `publish:` outputs; a failure is logged, never raised, and
        retried after the next poll that records changes."""
        from watcher.publish.files import publish_all

        assert config.publish is not None
        started = time.monotonic()
        self._published = True
        try:
            written = publish_all(config.publish, self.store, config, now=self.clock())
        except Exception as exc:  # noqa: BLE001 - publishing must never stop polling
            event("publish.failed", logging.ERROR, dir=str(config.publish.dir), error=f"{type(exc).__name__}: {exc}")
            return
        event("publish.done", files=[str(p) for p in written], ms=round((time.monotonic() - started) * 1000))

    def poll_due(self, config: Config) -> int:
        """Poll the due sources; send instant channels. Returns how many changes were recorded."""
        recorded = 0
        # The due sources no other instance is polling, leased to this one (store/claims.py).
        claimed = set(claims.claim_due(self.store, [s.id for s in config.sources], self.owner, self.clock(),
                                       self.lease))
        due = [s for s in config.sources if s.id in claimed]
        if due:
            started = time.monotonic()
            try:
                report = poll_sources(due, self.store, channels=config.channels, stop=self.stop, now=self.clock,
                                      on_outcome=_log_outcome)
            finally:
                # Each polled source's lease ended with its stored poll; give back the
                # rest (a SIGTERM stopped the cycle before them), or they wait for expiry.
                claims.release(self.store, self.owner, claimed)
            recorded = len(report.change_ids)
            quiet = not report.failures and not report.change_ids
            event("poll.cycle", logging.DEBUG if quiet else logging.INFO, sources=len(report.outcomes),
                  failed=len(report.failures), changes=len(report.change_ids),
                  ms=round((time.monotonic() - started) * 1000))
        # Every tick, not only after a poll: a failed alert's retry (due in a minute) or
        # one left by a SIGTERM must not wait for the next due source (hours away).
        if any(c.mode == "instant" for c in config.channels) and not self.stop.is_set():
            for outcome in send_instant(self.store, config, now=self.clock, lease=self.lease).outcomes:
                _log_delivery(outcome)
        return recorded

    def send_due_digests(self, config: Config) -> None:
        now = self.clock()
        for channel in config.channels:
            if channel.mode != "digest":
                continue
            window = period_of(channel, now)
            with self.store.session() as session:
                handled = session.scalar(select(DigestRow.id).where(
                    DigestRow.channel_id == channel.id, DigestRow.period.like(f"{window}#%")).limit(1))
            if handled is not None:
                continue
            report = send_digests(self.store, config, [channel.id], now=lambda: now, lease=self.lease)
            for outcome in report.outcomes:
                _log_delivery(outcome)
            if all(o.status == "nothing" for o in report.outcomes):
                # Nothing to send this window: mark it handled, or a change arriving
                # later in the window would be sent then instead of next window.
                # Another instance may mark it at the same moment: either mark will do.
                with contextlib.suppress(IntegrityError), self.store.session() as session:
                    session.execute(insert(DigestRow), [{"channel_id": channel.id, "period": f"{window}#0",
                                                         "created_at": now, "status": "empty", "attempts": 0}])


def _referenced_env(config_path: str | None) -> list[str]:
    """The values of the environment variables the configuration file names as ${VAR}."""
    try:
        text = resolve_config_path(config_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [os.environ[name] for name in ENV_REFERENCE.findall(text) if name in os.environ]


def _log_outcome(outcome) -> None:  # noqa: ANN001
    if outcome.status == "error":
        event("poll.source", logging.WARNING, source=outcome.source_id, status="error", error=outcome.error,
              ms=outcome.fetch_ms)
    elif outcome.status in ("changed", "baseline"):
        event("poll.source", source=outcome.source_id, status=outcome.status, new=outcome.new,
              updated=outcome.updated, items=outcome.items, ms=outcome.fetch_ms)
    else:
        event("poll.source", logging.DEBUG, source=outcome.source_id, status=outcome.status, ms=outcome.fetch_ms)


def _log_delivery(outcome) -> None:  # noqa: ANN001
    if outcome.status == "failed":
        event("delivery.failed", logging.WARNING, channel=outcome.channel_id, changes=outcome.changes,
              error=outcome.error)
    elif outcome.status == "refused":  # too large for the receiver even shortened: failed for good
        event("delivery.refused", logging.WARNING, channel=outcome.channel_id, changes=outcome.changes,
              refused=outcome.refused, error=outcome.error)
    elif outcome.status == "sent":
        event("delivery.sent", channel=outcome.channel_id, changes=outcome.changes, subject=outcome.subject)


def health(config: Config, store: Store, now: datetime) -> dict[str, object]:
    """`watcher status`: healthy when some source was polled within twice the
    shortest configured interval (a stalled or stopped service fails this)."""
    shortest = min((s.interval for s in config.sources), default=0.0)
    with store.session() as session:
        last = session.scalar(select(SourceState.last_attempt_at).where(
            SourceState.id.in_([s.id for s in config.sources])).order_by(SourceState.last_attempt_at.desc()).limit(1))
        failing = session.scalars(select(SourceState.id).where(
            SourceState.consecutive_failures > 0, SourceState.id.in_([s.id for s in config.sources]))).all()
    age = (now - last).total_seconds() if last else None
    healthy = age is not None and age <= 2 * shortest
    return {"healthy": healthy, "last_poll_at": last.strftime("%Y-%m-%dT%H:%M:%SZ") if last else None,
            "seconds_since_last_poll": round(age) if age is not None else None,
            "limit_seconds": 2 * shortest, "sources": len(config.sources), "failing_sources": sorted(failing)}
