"""The outbox: every change is delivered to every matching channel, once.

- `enqueue` runs inside the poll's transaction: the moment a change is recorded,
  one `deliveries` row per matching channel is recorded with it (baseline and
  not-relevant changes are never queued).
- `send_instant` (end of each poll) and `send_digests` (`watcher digest`, the
  scheduler) send what is pending. A delivery is marked sent only after the
  receiver accepted the message; a failure keeps it pending with exponential
  backoff (and any Retry-After as a floor), so a crash between send and mark can
  at worst repeat that one message, never lose a change.
- A digest is a row with a stable identity (channel, period): pending deliveries
  are *claimed* by it in one transaction, so two overlapping runs cannot both
  send them; a failed digest is retried with the same contents, less the changes
  an earlier part of it already delivered (a Slack digest sent in several messages).
- A message over the channel's maximum, or refused by the receiver for its size,
  is split in halves and each half sent, down to single changes; a change that
  is refused even cut to its title and link is marked `failed` with the reason
  and never retried, so it cannot hold back the others.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from watcher.notify import DeliveryError, MessageTooLarge, channel_types
from watcher.notify.digest import Digest, build_digest, matches_filter
from watcher.store.models import Change, Delivery
from watcher.store.models import Digest as DigestRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from watcher.config import ChannelConfig, Config
    from watcher.store.db import Store

MAX_BACKOFF = 6 * 3600.0
# A digest (or an instant alert's deliveries) taken for sending is that run's for this
# long: an overlapping run leaves it alone, and one a crashed run held is retried (at
# worst repeated) after.
LEASE = timedelta(minutes=15)
BATCH = 500  # at most this many changes in one instant message


@dataclass(slots=True)
class SendOutcome:
    channel_id: str
    # sent | failed | refused (some changes refused for their size, for good; the rest
    # sent) | waiting (a failed message backs off) | nothing | dry-run
    status: str
    changes: int = 0
    error: str | None = None
    subject: str | None = None
    retry_after: float | None = None
    refused: int = 0  # changes the receiver refused for their size: marked failed, not retried


@dataclass(slots=True)
class SendReport:
    outcomes: list[SendOutcome] = field(default_factory=list)

    @property
    def failures(self) -> list[SendOutcome]:
        return [o for o in self.outcomes if o.status in ("failed", "refused")]

    @property
    def undelivered(self) -> list[SendOutcome]:
        """Channels whose changes did not go out: failed or refused now, or still backing off from a failure."""
        return [o for o in self.outcomes if o.status in ("failed", "refused", "waiting")]


@dataclass(slots=True)
class Attempt:
    """What became of some of the changes of one send: `sent`, `failed` (retried
    with backoff) or `refused` (too large for the receiver: failed for good)."""
    change_ids: list[int]
    status: str
    error: str | None = None
    retry_after: float | None = None
    subject: str | None = None


class DigestBuilder(Protocol):
    def __call__(self, changes: list[Change], *, compact: bool, extras: bool) -> Digest: ...


@dataclass(frozen=True, slots=True)
class QueuedChange:
    change_id: int
    jurisdictions: Sequence[str]
    tags: Sequence[str]


def enqueue(session: Session, channels: Iterable[ChannelConfig], changes: Sequence[QueuedChange], now: datetime) -> int:
    """Queue each change for each channel whose filter it matches; returns rows queued.
    The caller passes only relevant, non-baseline changes and commits."""
    rows = [{"channel_id": ch.id, "change_id": c.change_id, "status": "pending", "created_at": now, "attempts": 0}
            for ch in channels for c in changes if matches_filter(ch, list(c.jurisdictions), list(c.tags))]
    if rows:
        session.execute(insert(Delivery), rows)
    return len(rows)


def requeue(session: Session, channels: Iterable[ChannelConfig], change: Change, now: datetime) -> tuple[int, int]:
    """After `change`'s labels were corrected: channels it no longer matches (or every
    channel, when it is now not relevant) lose its pending delivery; channels it now
    matches get one. What was sent stays sent; a baseline change is never queued.
    Returns (queued, dropped); the caller commits."""
    wanted = set() if change.baseline or not change.relevant else {
        ch.id for ch in channels if matches_filter(ch, list(change.jurisdictions or []), list(change.tags or []))}
    have = dict(session.execute(select(Delivery.channel_id, Delivery.status)
                                .where(Delivery.change_id == change.id)).tuples().all())
    drop = [cid for cid, status in have.items() if status == "pending" and cid not in wanted]
    if drop:
        session.execute(delete(Delivery).where(Delivery.change_id == change.id, Delivery.channel_id.in_(drop),
                                               Delivery.status == "pending"))
    add = [cid for cid in sorted(wanted) if cid not in have]
    if add:
        session.execute(insert(Delivery), [{"channel_id": cid, "change_id": change.id, "status": "pending",
                                            "created_at": now, "attempts": 0} for cid in add])
    return len(add), len(drop)


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next try after `attempts` failures: 1, 2, 4 ... minutes, capped at 6 hours;
    never sooner than the receiver's Retry-After."""
    delay = min(60.0 * 2 ** max(attempts - 1, 0), MAX_BACKOFF)
    return max(delay, retry_after or 0.0)


def send_instant(store: Store, config: Config, now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 lease: timedelta = LEASE) -> SendReport:
    """Send every `instant` channel what is pending and due for it, one message per channel.
    The deliveries are leased to this run for `lease` first (one conditional UPDATE, so
    runs beside it, in this process or another instance's, leave them alone)."""
    report = SendReport()
    types = channel_types()
    for channel in config.channels:
        if channel.mode != "instant":
            continue
        at = now()
        with store.session() as session:
            due = session.execute(
                select(Delivery, Change).join(Change, Change.id == Delivery.change_id)
                .where(Delivery.channel_id == channel.id, Delivery.status == "pending",
                       Delivery.digest_id.is_(None),  # not claimed by a `watcher digest --channel` run
                       (Delivery.next_attempt_at.is_(None)) | (Delivery.next_attempt_at <= at))
                .order_by(Delivery.id).limit(BATCH)
            ).all()
            if not due:
                continue
            # Lease them to this run in one update, so that an overlapping poll leaves them alone.
            taken = set(session.scalars(
                update(Delivery).where(Delivery.id.in_([d.id for d, _ in due]), Delivery.status == "pending",
                                       (Delivery.next_attempt_at.is_(None)) | (Delivery.next_attempt_at <= at))
                .values(next_attempt_at=at + lease).returning(Delivery.id)).all())
            session.commit()
            due = [(d, c) for d, c in due if d.id in taken]
            if not due:
                continue
            deliveries = [d for d, _ in due]
            build = functools.partial(build_digest, session, config, channel, now=at, instant=True)
            attempts = send_changes(types[channel.type], channel, [c for _, c in due], build)
            _mark(session, deliveries, attempts, at)
        report.outcomes.append(outcome_of(channel.id, attempts))
    return report


def send_digests(
    store: Store,
    config: Config,
    channel_ids: Sequence[str] = (),
    *,
    dry_run: bool = False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_dry_run: Callable[[ChannelConfig, Digest], None] | None = None,
    lease: timedelta = LEASE,
) -> SendReport:
    """Send each digest channel (or the named ones) everything not yet sent to it.

    With `dry_run`, builds what would be sent, hands it to `on_dry_run`, and marks nothing.
    """
    report = SendReport()
    types = channel_types()
    chosen = [c for c in config.channels if (c.id in channel_ids if channel_ids else c.mode == "digest")]
    for channel in chosen:
        at = now()
        if dry_run:
            with store.session() as session:
                changes = list(session.scalars(
                    select(Change).join(Delivery, Delivery.change_id == Change.id)
                    .where(Delivery.channel_id == channel.id, Delivery.status == "pending")))
                if not changes:
                    report.outcomes.append(SendOutcome(channel.id, "nothing"))
                    continue
                digest = build_digest(session, config, channel, changes, at)
                session.rollback()
            if on_dry_run:
                on_dry_run(channel, digest)
            report.outcomes.append(SendOutcome(channel.id, "dry-run", len(changes), subject=digest.subject))
            continue
        for digest_id in _digests_to_send(store, channel, at, lease):
            with store.session() as session:
                row = session.get(DigestRow, digest_id)
                # Pending only: changes an earlier, partly accepted try delivered are not sent again.
                deliveries = list(session.scalars(select(Delivery).where(Delivery.digest_id == digest_id,
                                                                         Delivery.status == "pending")))
                changes = list(session.scalars(select(Change).where(Change.id.in_([d.change_id for d in deliveries]))))
                if not changes:  # every change already went out (or was refused) on an earlier try
                    row.status, row.sent_at = "sent", at
                    continue
                build = functools.partial(build_digest, session, config, channel, now=at)
                attempts = send_changes(types[channel.type], channel, changes, build)
                _mark(session, deliveries, attempts, at)
                outcome = outcome_of(channel.id, attempts)
                row.attempts += 1
                if outcome.status != "failed":
                    row.status, row.sent_at, row.last_error = "sent", at, outcome.error
                else:
                    row.last_error = outcome.error
                    row.next_attempt_at = at + timedelta(seconds=backoff(row.attempts, outcome.retry_after))
            report.outcomes.append(outcome)
        if not any(o.channel_id == channel.id for o in report.outcomes):
            report.outcomes.append(_idle_outcome(store, channel))
    return report


def _idle_outcome(store: Store, channel: ChannelConfig) -> SendOutcome:
    """Nothing was sent now: either nothing waits, or changes wait for a retry of a failed message."""
    with store.session() as session:
        waiting = session.execute(
            select(func.count(), func.min(Delivery.next_attempt_at), func.max(Delivery.last_error))
            .where(Delivery.channel_id == channel.id, Delivery.status == "pending")).one()
    count, next_at, error = waiting
    if not count:
        return SendOutcome(channel.id, "nothing")
    when = next_at.strftime("%Y-%m-%d %H:%M UTC") if next_at else "the next run"
    return SendOutcome(channel.id, "waiting", count, error=f"retry after {when}; last error: {error or '-'}")


def _digests_to_send(store: Store, channel: ChannelConfig, at: datetime, lease: timedelta = LEASE) -> list[int]:
    """Digests of `channel` due now, each leased to this run: earlier failed ones (same
    contents), then a new one claiming every pending delivery not yet in a digest."""
    with store.session() as session:
        due = list(session.scalars(
            select(DigestRow.id).where(DigestRow.channel_id == channel.id, DigestRow.status == "pending",
                                       (DigestRow.next_attempt_at.is_(None)) | (DigestRow.next_attempt_at <= at))
            .order_by(DigestRow.id)))
    retry = [digest_id for digest_id in due if _lease(store, digest_id, at, lease)]
    base = period_of(channel, at)
    for attempt in range(1, 1000):
        try:
            with store.session() as session:
                unclaimed = (Delivery.channel_id == channel.id, Delivery.status == "pending",
                             Delivery.digest_id.is_(None),
                             # not leased by an instant send in flight
                             (Delivery.next_attempt_at.is_(None)) | (Delivery.next_attempt_at <= at))
                if not session.scalar(select(func.count()).select_from(Delivery).where(*unclaimed)):
                    return retry
                digest_id = session.scalars(insert(DigestRow).returning(DigestRow.id), [{
                    "channel_id": channel.id, "period": f"{base}#{attempt}", "created_at": at,
                    "status": "pending", "attempts": 0, "next_attempt_at": at + lease}]).one()
                claimed = session.execute(update(Delivery).where(*unclaimed).values(digest_id=digest_id)).rowcount
                if not claimed:  # another run claimed them first
                    session.rollback()
                    return retry
            return [*retry, digest_id]
        except IntegrityError:
            continue  # that period number is taken (an earlier digest, or a run beside us): the next one
    return retry


def _lease(store: Store, digest_id: int, at: datetime, lease: timedelta = LEASE) -> bool:
    """Take a due digest for this run (one atomic update): False when another run took it first."""
    with store.session() as session:
        return session.execute(
            update(DigestRow).where(DigestRow.id == digest_id, DigestRow.status == "pending",
                                    (DigestRow.next_attempt_at.is_(None)) | (DigestRow.next_attempt_at <= at))
            .values(next_attempt_at=at + lease)).rowcount == 1


def period_of(channel: ChannelConfig, at: datetime) -> str:
    """The schedule window `at` falls in: the channel's last cron fire time at or
    before `at`, in its time zone (e.g. "2026-11-23T08:00+09:00")."""
    from zoneinfo import ZoneInfo

    from watcher.cron import cron_trigger, window_start

    start = window_start(cron_trigger(channel.schedule, channel.timezone), at)
    return (start or at).astimezone(ZoneInfo(channel.timezone)).isoformat(timespec="minutes")


def send_changes(kind: type, channel: ChannelConfig, changes: list[Change], build: DigestBuilder) -> list[Attempt]:
    """Send `changes` to `channel` in one message if the receiver takes it, else in
    halves, down to single changes, a single one last cut to its title and link.
    Upcoming dates and failing sources ride in the first message only. Stops at the
    first failure that is not about size: the rest are `failed` (retried later)."""
    attempts: list[Attempt] = []
    queue: list[tuple[list[Change], bool]] = [(changes, False)]  # (changes, compact)
    extras = True
    while queue:
        batch, compact = queue.pop(0)
        try:
            digest = build(batch, compact=compact, extras=extras)
            kind.send(channel, digest)
        except MessageTooLarge as exc:
            rest = _accepted_first(attempts, batch, exc)
            extras = extras and not exc.accepted
            if len(rest) > 1:
                queue[:0] = [(rest[: len(rest) // 2], False), (rest[len(rest) // 2:], False)]
            elif rest and not compact:
                queue.insert(0, (rest, True))
            elif rest:
                attempts.append(Attempt([c.id for c in rest], "refused",
                                        f"refused for its size even cut to its title and link: {exc}"[:500]))
            continue
        except DeliveryError as exc:
            rest = _accepted_first(attempts, batch, exc)
            attempts.append(Attempt([c.id for c in rest] + [c.id for b, _ in queue for c in b], "failed",
                                    str(exc), exc.retry_after))
            break
        except Exception as exc:  # noqa: BLE001 - e.g. a broken user template: report it, keep the changes queued
            attempts.append(Attempt([c.id for c in batch] + [c.id for b, _ in queue for c in b], "failed",
                                    f"could not build the message: {type(exc).__name__}: {exc}"[:500]))
            break
        attempts.append(Attempt([c.id for c in batch], "sent", subject=digest.subject))
        extras = False
    return attempts


def _accepted_first(attempts: list[Attempt], batch: list[Change], exc: DeliveryError) -> list[Change]:
    """Record the changes earlier parts of a refused message delivered; return the others."""
    if exc.accepted:
        attempts.append(Attempt([c.id for c in batch if c.id in exc.accepted], "sent"))
    return [c for c in batch if c.id not in exc.accepted]


def outcome_of(channel_id: str, attempts: list[Attempt]) -> SendOutcome:
    """The channel's line in the report: failed when any change waits for a retry,
    refused when some were refused for good, else sent."""
    total = sum(len(a.change_ids) for a in attempts)
    failed = [a for a in attempts if a.status == "failed"]
    refused = [a for a in attempts if a.status == "refused"]
    sent = [a for a in attempts if a.status == "sent" and a.subject]
    subject = sent[0].subject if sent else None
    if len(sent) > 1:
        subject = f"{subject} (and {len(sent) - 1} more message{'s' * (len(sent) > 2)})"
    n_refused = sum(len(a.change_ids) for a in refused)
    if failed:
        return SendOutcome(channel_id, "failed", len(failed[0].change_ids), error=failed[0].error,
                           subject=subject, retry_after=failed[0].retry_after, refused=n_refused)
    if refused:
        return SendOutcome(channel_id, "refused", total, error=refused[0].error, subject=subject, refused=n_refused)
    return SendOutcome(channel_id, "sent", total, subject=subject)


def _mark(session: Session, deliveries: list[Delivery], attempts: list[Attempt], at: datetime) -> None:
    outcome = {change_id: a for a in attempts for change_id in a.change_ids}
    for d in deliveries:
        a = outcome.get(d.change_id)
        if a is None:
            continue
        d.attempts += 1
        if a.status == "sent":
            d.status, d.sent_at, d.last_error, d.next_attempt_at = "sent", at, None, None
        elif a.status == "refused":  # for good: never retried, never holding back the others
            d.status, d.last_error, d.next_attempt_at = "failed", a.error, None
        else:
            d.last_error = a.error
            d.next_attempt_at = at + timedelta(seconds=backoff(d.attempts, a.retry_after))


def delivery_summary(session: Session) -> list[dict[str, object]]:
    """Per channel: pending, sent and failed counts, oldest pending, last error (for
    `watcher deliveries`). Failed deliveries were refused for their size, for good."""
    from watcher.store.queries import iso

    rows = session.execute(
        select(Delivery.channel_id, Delivery.status, func.count(), func.min(Delivery.created_at),
               func.max(Delivery.attempts))
        .group_by(Delivery.channel_id, Delivery.status)).all()
    out: dict[str, dict[str, object]] = {}
    for channel_id, status, count, oldest, attempts in rows:
        entry = out.setdefault(channel_id, {"channel": channel_id, "pending": 0, "sent": 0, "failed": 0,
                                            "oldest_pending": None,
                                            "max_attempts": 0, "last_error": None, "next_attempt": None})
        entry[status] = count
        if status == "pending":
            entry["oldest_pending"] = iso(oldest)
            entry["max_attempts"] = attempts
    for channel_id, entry in out.items():
        for status in ("pending", "failed"):  # a waiting retry's error first, else the last refusal
            if not entry[status] or entry["last_error"]:
                continue
            last = session.execute(
                select(Delivery.last_error, Delivery.next_attempt_at)
                .where(Delivery.channel_id == channel_id, Delivery.status == status, Delivery.last_error.is_not(None))
                .order_by(Delivery.id.desc()).limit(1)).first()
            if last:
                entry["last_error"], entry["next_attempt"] = last[0], iso(last[1])
    return sorted(out.values(), key=lambda e: str(e["channel"]))
