"""The CPU-bound middle of a poll, parse -> diff -> classify, for one source.

`prepare` is a pure function of what was fetched and what is stored: no database,
no network. So it can run in the polling process or in a worker process, and the
pipeline uses one code path either way.

Most cycles never need more than one core: unchanged sources are not parsed at all.
A cycle of first polls is different (hundreds of sources added at once, every entry
of every feed parsed and classified as a baseline: ~0.7 ms of CPU per entry), so
when a cycle holds many sources without a baseline (`pool_for_cycle`) a
`PreparePool` of `cores - 1` worker processes takes bodies while the polling process
stores results and prepares the bodies that find the workers busy. Workers are
fresh interpreters ("spawn": safe while the polling process runs threads, and no
forkserver process beside them) that load the parsers and lexicons once each.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from watcher.diff import ItemChange, StoredItem, diff_items
from watcher.errors import ParseError
from watcher.sources import ParseResult, source_types

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from watcher.classify import Classification
    from watcher.config import SourceConfig
    from watcher.fetch import FetchResult
    from watcher.sources import ParsedItem

log = logging.getLogger("watcher.prepare")

# A pool costs about a second to start (a fresh interpreter loads the parsers and the
# lexicons) and pays off once a cycle holds this many first polls (~50 ms of CPU each).
POOL_MIN_FIRST_POLLS = 32
# Bodies each worker holds queued before the polling process prepares one itself. While
# it does (one large body: ~60 ms), a worker with only two queued ran dry and idled: a
# cold cycle of 2,000 sources took 42.6 s with 2 per worker, 34.4 s with 8 (medians of
# 3, 2 cores). Eight bodies are at most ~2 MB per worker.
AHEAD_PER_WORKER = 8


@dataclass(slots=True)
class Prepared:
    """What `prepare` made of one fetched body: the parse, the changes against the
    stored items and their classifications (one per change, same order), or the
    error that stopped it (then the rest is empty)."""

    parsed: ParseResult | None = None
    changes: list[ItemChange] = field(default_factory=list)
    classifications: list[Classification] = field(default_factory=list)
    evidence: tuple[int, bytes] | None = None  # compressed evidence text, when there are changes
    error: str | None = None


def prepare(source: SourceConfig, result: FetchResult, stored: Mapping[str, StoredItem]) -> Prepared:
    """Parse `result` by `source`'s type, diff the items against `stored` (by item key)
    and classify each change. A parse failure is returned as `Prepared.error`, never
    raised: hostile input must not stop the cycle, whichever process runs this."""
    try:
        parsed = source_types()[source.type].parse(source, result)
    except ParseError as exc:
        return Prepared(error=str(exc))
    except Exception as exc:  # noqa: BLE001 - a parser bug on hostile input must not stop the cycle
        return Prepared(error=f"parser failed: {type(exc).__name__}: {exc}"[:500])
    changes = diff_items(stored, parsed.items)
    evidence = parsed.compressed_evidence() if changes else None
    # The decoded document is kept only compressed: a worker would otherwise send
    # it back whole, and the polling process would hold it for nothing.
    parsed.evidence_text = ""
    return Prepared(parsed, changes, [classify_for_source(source, ch.item) for ch in changes], evidence)


def classify_for_source(
    source: SourceConfig | None, item: ParsedItem, fallback_jurisdictions: tuple[str, ...] = ()
) -> Classification:
    """The one place classification plugs into the pipeline: the classifier's
    verdict, with the source's configuration applied (its jurisdictions as hint
    and fallback, `relevance: all`, dates stated by the source itself)."""
    # Imported here: a cycle where nothing changed never loads the classifier.
    from watcher.classify import Classification, classify_item

    hint = source.jurisdictions if source else fallback_jurisdictions
    cls = classify_item(item.title, item.text, jurisdiction=list(hint), published=item.published)
    dates = cls.dates
    if item.dates:  # dates the source states outright (API fields) come first
        dates = sorted({(d["date"], d["kind"]): d for d in [*item.dates, *cls.dates]}.values(),
                       key=lambda d: (d["date"], d["kind"]))
    return Classification(
        relevant=cls.relevant or (source is not None and source.relevance == "all"),
        # An item whose text names no jurisdiction is about its source's.
        jurisdictions=list(cls.jurisdictions) or list(hint),
        tags=list(cls.tags),
        dates=list(dates),
    )


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class PreparePool:
    """`prepare` in `workers` processes. `submit` never blocks; the caller keeps at
    most `ahead` bodies in flight (each holds a fetched body) and prepares the next
    one itself while the workers have that many.

    A pool that breaks (a worker killed by the OOM killer, a crash in a C parser)
    answers None from `submit` and `result`: the caller then prepares in its own
    process, so the cycle goes on.
    """

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        self.workers = workers
        self.ahead = AHEAD_PER_WORKER * workers
        self._executor: ProcessPoolExecutor | None = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_started)

    def submit(self, source: SourceConfig, result: FetchResult,
               stored: Mapping[str, StoredItem]) -> Future[Prepared] | None:
        if self._executor is None:
            return None
        try:
            return self._executor.submit(prepare, source, result, dict(stored))
        except Exception as exc:  # noqa: BLE001 - BrokenProcessPool, or a pool that cannot start
            self._broken(exc)
            return None

    def result(self, future: Future[Prepared]) -> Prepared | None:
        try:
            return future.result()
        except Exception as exc:  # noqa: BLE001 - a worker died: prepare this one in-process
            self._broken(exc)
            return None

    def _broken(self, exc: BaseException) -> None:
        if self._executor is not None:
            log.warning("prepare pool failed, preparing in-process from here: %s: %s", type(exc).__name__, exc,
                        extra={"event": "prepare.pool_failed"})
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def _worker_started() -> None:
    # Ctrl-C reaches the whole process group: the polling process handles it (and
    # shuts the pool down); a worker printing its own KeyboardInterrupt would not help.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import watcher._prepare_worker  # noqa: F401 - parsers and lexicons, before the first body


def pool_for_cycle(first_polls: int, workers: int | None = None) -> PreparePool | None:
    """A pool for a cycle with `first_polls` sources that have no baseline yet, or None
    when one process will do: fewer than POOL_MIN_FIRST_POLLS of them, or a single
    core. The pool has one worker per core but one (the polling process prepares
    too), or as many as the environment variable WATCHER_WORKERS says (0: none, where
    memory is tighter than time). `workers` forces a pool of that size, whatever
    the cycle (0: none)."""
    if workers is None:
        if first_polls < POOL_MIN_FIRST_POLLS:
            return None
        setting = os.environ.get("WATCHER_WORKERS", "").strip()
        workers = int(setting) if setting.isdigit() else usable_cores() - 1
    if workers <= 0:
        return None
    try:
        return PreparePool(workers)
    except Exception as exc:  # noqa: BLE001 - e.g. a platform without working semaphores: one process will do
        log.warning("no worker processes (%s: %s): preparing in-process", type(exc).__name__, exc,
                    extra={"event": "prepare.pool_failed"})
        return None
