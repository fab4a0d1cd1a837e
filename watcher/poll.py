"""One polling cycle: fetch -> parse -> diff -> classify -> store, for many sources.

`poll_sources` is the single entry point, used by `watcher poll`, `watcher run`
and `watcher demo`. A source that fails (network, HTTP, not a feed) is recorded
with its error and never stops the others. Unchanged sources (304, or the same
body hash) are never parsed. Each changed source is committed in its own
transaction together with its new conditional-GET state.
"""

from __future__ import annotations

import contextlib
import random
import threading
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from watcher import jurisdictions as jur
from watcher.config import ChannelConfig, Config, SourceConfig
from watcher.fetch import Fetcher, FetchRequest, FetchResult
from watcher.prepare import Prepared, PreparePool, Ticket, pool_for_cycle, prepare
from watcher.schedule import next_poll_at
from watcher.secrets import mask_secrets
from watcher.store.db import Store
from watcher.store.writes import (
    BODY_COLUMNS,
    FAILURE_COLUMNS,
    SUCCESS_COLUMNS,
    ClassifiedChange,
    PollState,
    load_states,
    prune_evidence,
    record_changes,
    record_evidence,
    save_states,
    stored_items,
)


@dataclass(slots=True)
class SourceOutcome:
    """What one source's poll came to. `status` is one of:
    changed, unchanged, not-modified, baseline, error."""

    source_id: str
    status: str
    new: int = 0
    updated: int = 0
    items: int | None = None
    error: str | None = None
    warning: str | None = None
    # The ids of the changes recorded, as machine integers: a report holds one per
    # item of every first poll (128,000 at 2,000 sources), and a list of Python ints
    # costs 40 bytes each against 8.
    change_ids: Sequence[int] = field(default_factory=lambda: array("q"))
    fetch_ms: float | None = None  # the request's wall time, for logs

    @property
    def failed(self) -> bool:
        return self.status == "error"


@dataclass(slots=True)
class PollReport:
    started_at: datetime
    finished_at: datetime | None = None
    outcomes: list[SourceOutcome] = field(default_factory=list)

    @property
    def failures(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.failed]

    @property
    def change_ids(self) -> list[int]:
        return [cid for o in self.outcomes for cid in o.change_ids]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def select_sources(
    config: Config, source_ids: Iterable[str] = (), jurisdictions: Iterable[str] = ()
) -> list[SourceConfig]:
    """The configured sources named by id and/or falling under the jurisdictions (all if none given).
    Raises KeyError for an id not in the configuration."""
    ids = list(source_ids)
    wanted = [jur.normalise(j) for j in jurisdictions]
    known = {s.id for s in config.sources}
    for sid in ids:
        if sid not in known:
            raise KeyError(sid)
    chosen = [s for s in config.sources if not ids or s.id in ids]
    if wanted:
        chosen = [s for s in chosen if jur.matches_any(s.jurisdictions, wanted)]
    return chosen


def poll_sources(
    sources: list[SourceConfig],
    store: Store,
    *,
    channels: Sequence[ChannelConfig] = (),
    fetcher: Fetcher | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_outcome: Callable[[SourceOutcome], None] | None = None,
    stop: threading.Event | None = None,
    workers: int | None = None,
) -> PollReport:
    """Poll `sources` once, whether due or not, and store what changed, queueing each
    relevant non-baseline change for every channel in `channels` whose filter it matches.

    When `stop` is set (SIGTERM), the cycle ends after the sources in hand: what was
    stored stays stored, the rest keep their state and are polled next time.
    Parsing, diffing and classifying a new body run in a worker process under the
    budget's time and memory limits, one worker per core when the cycle holds many
    first polls (see `watcher.prepare.pool_for_cycle`; `workers` forces a pool size,
    0 none: in this process, unlimited); storing always happens here, source by
    source, in the order bodies arrive."""
    report = PollReport(started_at=now())
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher()
    by_id = {s.id: s for s in sources}
    pool: PreparePool | None = None

    def done(outcome: SourceOutcome) -> None:
        report.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    try:
        with store.session() as session:
            states = load_states(session, by_id)
            session.commit()
            requests = []
            for source in sources:
                state = states[source.id]
                requests.append(FetchRequest(
                    source_id=source.id, url=source.fetch_url, timeout=source.timeout, etag=state.etag,
                    last_modified=state.last_modified, body_hash=state.body_hash, headers=source.headers,
                    display_url=source.url, secrets=source.secrets, private_redirects=source.private_redirects,
                ))
            pool = pool_for_cycle(sum(1 for s in states.values() if s.baseline_at is None), workers)
            # Bodies being prepared by the pool, oldest first: (result, ticket).
            in_flight: deque[tuple[FetchResult, Ticket]] = deque()

            def store_one(result: FetchResult, prepared: Prepared | None = None) -> None:
                source, state = by_id[result.source_id], states[result.source_id]
                outcome = _handle(session, source, state, result, now(), channels, prepared)
                outcome.fetch_ms = round(result.elapsed * 1000, 1)
                if outcome.change_ids or outcome.status == "baseline":
                    # A source with changes commits at once, its new validators and body
                    # hash in the same transaction as the changes they led to.
                    save_states(session, [state])
                    session.commit()
                done(outcome)

            def store_oldest() -> None:
                result, ticket = in_flight.popleft()
                store_one(result, pool.result(ticket) if pool else None)

            # Closed however the loop ends (Ctrl-C included): fetch threads waiting to
            # hand over a body are released instead of keeping the process alive.
            with contextlib.closing(fetcher.fetch_all(requests)) as results:
                for result in results:
                    while in_flight and pool is not None and pool.done(in_flight[0][1]):
                        store_oldest()
                    ticket = None
                    if pool is not None and result.error is None and result.has_new_body:
                        while len(in_flight) >= pool.ahead:  # every worker has a body: wait for one
                            store_oldest()
                        ticket = pool.submit(by_id[result.source_id], result, stored_items(session, result.source_id))
                    if ticket is None:  # nothing to prepare, or no worker could be started
                        store_one(result)
                    else:
                        in_flight.append((result, ticket))
                    if stop is not None and stop.is_set():
                        break
            while in_flight:
                store_oldest()
            # Unchanged and failed sources' health is written in one batch: losing it
            # in a crash costs only a repeated (conditional) request.
            save_states(session, states.values())
            prune_evidence(session, sources, now())
            session.commit()
    finally:
        if pool is not None:
            pool.close()
        if own_fetcher:
            fetcher.close()
    report.finished_at = now()
    return report


def _handle(session, source: SourceConfig, state: PollState, result: FetchResult, at: datetime,  # noqa: ANN001
            channels: Sequence[ChannelConfig] = (), prepared: Prepared | None = None) -> SourceOutcome:
    """Store what one fetch came to: the changes it found, and in `state` what the
    caller then writes of the source's row (`save_states`). `prepared` is what a
    worker made of its body; None prepares it here."""
    state.last_attempt_at = at
    state.last_status = result.status
    # The lease of the `watcher run` instance that claimed it (store/claims.py) ends in the
    # transaction that stores its next poll time: the next instance finds it not yet due.
    state.claimed_by = state.claimed_until = None
    if result.error is not None:
        return _failed(state, source, at, str(result.error), result)
    if not result.has_new_body:
        _succeeded(state, source, at, result)
        return SourceOutcome(source.id, "not-modified" if result.not_modified else "unchanged", items=state.item_count)
    if prepared is None:
        prepared = prepare(source, result, stored_items(session, source.id))
    if prepared.error is not None or prepared.parsed is None:
        return _failed(state, source, at, prepared.error or "not parsed", result)
    parsed, changes = prepared.parsed, prepared.changes
    if not parsed.items and state.item_count:
        # A source that had items and suddenly has none is blocked or broken (a
        # burst-limited board answering an empty table), not emptied: feeds rotate,
        # they do not vanish. Its items stay stored; nothing is "removed".
        return _failed(state, source, at, f"yielded no items where the last poll had {state.item_count}: "
                       "a soft block (rate limit, bot challenge) or a redesign", result)
    baseline = state.baseline_at is None
    classified = [ClassifiedChange(ch, c) for ch, c in zip(changes, prepared.classifications, strict=True)]
    evidence_id = record_evidence(session, source.id, result, prepared.evidence) if prepared.evidence else None
    change_ids = record_changes(session, source.id, classified, now=at, baseline=baseline, evidence_id=evidence_id)
    if channels and not baseline:
        # Queued in the same transaction as the changes: recorded means queued.
        from watcher.notify.outbox import QueuedChange, enqueue  # only polls with news need it

        enqueue(session, channels, [QueuedChange(cid, c.classification.jurisdictions, c.classification.tags)
                                    for cid, c in zip(change_ids, classified, strict=True)
                                    if c.classification.relevant], at)
    if baseline and parsed.items:
        # An empty first answer is not a baseline: the next real one would flood everyone.
        state.baseline_at = at
    _succeeded(state, source, at, result)
    state.body_hash = result.body_hash
    state.item_count = len(parsed.items)
    state.last_warning = parsed.warning
    state.written = BODY_COLUMNS
    new = sum(1 for c in changes if c.kind == "new")
    status = "baseline" if baseline and parsed.items else ("changed" if changes else "unchanged")
    return SourceOutcome(source.id, status, new=new, updated=len(changes) - new, items=len(parsed.items),
                         warning=parsed.warning, change_ids=array("q", change_ids))


def _succeeded(state: PollState, source: SourceConfig, at: datetime, result: FetchResult) -> None:
    state.written = SUCCESS_COLUMNS
    state.last_success_at = at
    state.consecutive_failures = 0
    state.last_error = None
    if result.etag or result.last_modified or not result.not_modified:
        state.etag = result.etag
        state.last_modified = result.last_modified
    state.next_poll_at = next_poll_at(at, source.interval, 0, result.retry_after, result.max_age, random.random())


def _failed(state: PollState, source: SourceConfig, at: datetime, message: str, result: FetchResult) -> SourceOutcome:
    state.written = FAILURE_COLUMNS
    state.consecutive_failures = (state.consecutive_failures or 0) + 1
    message = mask_secrets(message, source.secrets)  # stored, shown and sent: never a ${VAR}'s value
    state.last_error = message
    state.last_error_at = at
    state.next_poll_at = next_poll_at(at, source.interval, state.consecutive_failures, result.retry_after,
                                      jitter=random.random())
    return SourceOutcome(source.id, "error", error=message)
