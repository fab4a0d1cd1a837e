"""The CPU-bound middle of a poll, parse -> diff -> classify, for one source.

`prepare` is a pure function of what was fetched and what is stored: no database,
no network. So it can run in the polling process or in a worker process, and the
pipeline uses one code path either way.

Every new body is prepared in a worker process, the backstop of the cost budget
(`watcher.budget`, issue 22): the parse stage bounds the costs we know of, and the
worker bounds any other (a quadratic path nobody has found yet). A worker may spend
PREPARE_SECONDS of wall time on one body (a kernel timer, SIGALRM, ends it even
inside C code holding the GIL) and PREPARE_MEMORY_MB of memory beyond what it holds
idle (RLIMIT_AS: an allocation past it fails with MemoryError). A body that overruns
is that source's error, naming the limit; the worker is replaced and the cycle goes on.

Why every new body and not only large ones: a quadratic path makes a body of tens
of kilobytes cost minutes, so no size threshold bounds the time. The price: a worker
starts in ~0.35 s of CPU (a fresh interpreter, "spawn": safe while the polling
process runs threads; it loads the parsers and the lexicons from their cache), only
when a cycle has a body to prepare. Unchanged sources are never parsed, so a cycle
where nothing changed starts no worker and costs what it did; a cycle with news
costs ~0.5 s more (20 changed feeds: 1.46 s against 0.94 s in one process, one run
each on the loaded 2-core build machine), and the polling process never loads the
classifier (its peak RSS: 58 MB against 72). A cycle of first polls (hundreds of sources added at once, every
entry parsed and classified as a baseline: ~0.7 ms of CPU per entry) gets one worker
per core (`pool_for_cycle`), the polling process fetching and storing meanwhile.
WATCHER_WORKERS=0 prepares in the polling process instead, without these limits.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from watcher.budget import (
    MAX_EVIDENCE_TEXT,
    MAX_ITEM_TEXT,
    MAX_TITLE,
    PREPARE_MEMORY_MB,
    PREPARE_SECONDS,
    cut_text,
)
from watcher.diff import ItemChange, StoredItem, diff_items
from watcher.errors import ParseError
from watcher.sources import ParseResult, source_types

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from watcher.classify import Classification
    from watcher.config import SourceConfig
    from watcher.fetch import FetchResult
    from watcher.sources import ParsedItem

log = logging.getLogger("watcher.prepare")

# A cycle holding this many first polls gets a worker per core (~50 ms of CPU each).
POOL_MIN_FIRST_POLLS = 32
# How long the polling process waits past a worker's own deadline before it kills the
# worker itself (the worker's timer should have ended it; this is the timer's backstop).
DEADLINE_GRACE_SECONDS = 10.0


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
    raised: hostile input must not stop the cycle, whichever process runs this.
    Each item's text and title, and the evidence, are cut to the budget's sizes
    (`watcher.budget`) before anything else sees them."""
    try:
        return _prepare(source, result, stored)
    except MemoryError:
        if _memory_budget_mb is None:
            raise
        return Prepared(error=f"preparing exceeded the {_memory_budget_mb} MB memory budget "
                        f"(watcher.budget.PREPARE_MEMORY_MB)")


def _prepare(source: SourceConfig, result: FetchResult, stored: Mapping[str, StoredItem]) -> Prepared:
    try:
        parsed = source_types()[source.type].parse(source, result)
    except ParseError as exc:
        return Prepared(error=str(exc))
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a parser bug on hostile input must not stop the cycle
        return Prepared(error=f"parser failed: {type(exc).__name__}: {exc}"[:500])
    bound_sizes(parsed)
    changes = diff_items(stored, parsed.items)
    evidence = parsed.compressed_evidence() if changes else None
    # The decoded document is kept only compressed: a worker would otherwise send
    # it back whole, and the polling process would hold it for nothing.
    parsed.evidence_text = ""
    return Prepared(parsed, changes, [classify_for_source(source, ch.item) for ch in changes], evidence)


def bound_sizes(parsed: ParseResult) -> None:
    """Cut each item's text and title and the evidence to the budget's sizes, in place:
    diff, classify, store and notify all see at most that much of any one item."""
    for item in parsed.items:
        item.text = cut_text(item.text, MAX_ITEM_TEXT)
        if len(item.title) > MAX_TITLE:
            item.title = item.title[: MAX_TITLE - 1] + "…"
    parsed.evidence_text = cut_text(parsed.evidence_text, MAX_EVIDENCE_TEXT)


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


# Set in a worker process (`_serve`): the memory budget its MemoryError is reported against.
_memory_budget_mb: int | None = None


@dataclass(slots=True)
class Ticket:
    """A body handed to a `PreparePool`: `PreparePool.result` answers what became of it."""

    job: tuple[SourceConfig, FetchResult, dict[str, StoredItem]]
    worker: _Worker | None = None
    prepared: Prepared | None = None
    retried: bool = False


class _Worker:
    """One worker process preparing one body at a time, sent over a pipe."""

    def __init__(self, context: Any, prepare_fn: Callable[..., Prepared], seconds: float, memory_mb: int) -> None:
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=_serve, args=(child, prepare_fn, seconds, memory_mb),
                                                    name="watcher-prepare", daemon=True)
        self.process.start()
        child.close()
        self.since = 0.0  # when the body in hand was sent

    def send(self, ticket: Ticket) -> None:
        ticket.worker, self.since = self, time.monotonic()
        self.conn.send(ticket.job)

    def stop(self, kill: bool = False) -> None:
        if kill and self.process.is_alive():
            self.process.kill()
        self.conn.close()  # a worker waiting for a body reads EOF and leaves
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class PreparePool:
    """`prepare` in `workers` worker processes under the budget's time and memory
    limits (`seconds`, `memory_mb`), each holding one body at a time. Workers start
    with the first body submitted, so a cycle with nothing to prepare starts none.

    `submit` hands a body to an idle worker (None when none is idle: wait for the
    oldest with `result` first, or when no worker can be started at all: prepare in
    the polling process); `result` waits for what the worker made of it. A body whose
    worker overruns its time is that source's error naming the limit; one whose
    worker is killed from outside (the OOM killer) is tried once more in a fresh one.
    `prepare_fn` is what the workers run (a module-level function: tests inject one).
    """

    def __init__(self, workers: int, *, seconds: float = PREPARE_SECONDS, memory_mb: int = PREPARE_MEMORY_MB,
                 prepare_fn: Callable[..., Prepared] = prepare) -> None:
        self.workers = workers
        self.ahead = workers
        self.seconds = seconds
        self.memory_mb = memory_mb
        self.prepare_fn = prepare_fn
        self._idle: deque[_Worker] = deque()
        self._busy: list[_Worker] = []
        self._started = False
        self._broken = False

    def pids(self) -> list[int]:
        """The worker processes' ids (tests play the OOM killer with them)."""
        return [w.process.pid for w in [*self._idle, *self._busy] if w.process.pid is not None]

    def submit(self, source: SourceConfig, result: FetchResult,
               stored: Mapping[str, StoredItem]) -> Ticket | None:
        if self._broken or not self._start() or not self._idle:
            return None
        ticket = Ticket((source, result, dict(stored)))
        return ticket if self._send(ticket) else None

    def result(self, ticket: Ticket) -> Prepared | None:
        """What became of `ticket`'s body (None: no worker could take it; prepare it here)."""
        while ticket.prepared is None:
            worker = ticket.worker
            if worker is None:
                return None
            deadline = worker.since + self.seconds + DEADLINE_GRACE_SECONDS
            overran = False
            try:
                if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                    ticket.prepared = worker.conn.recv()
                    self._release(worker)
                    continue
                overran = True  # silent past its deadline and the grace period
            except (EOFError, OSError):
                pass  # the worker died: below
            except Exception as exc:  # noqa: BLE001 - an answer that does not unpickle
                ticket.prepared = Prepared(error=f"preparing failed in its worker: {type(exc).__name__}: {exc}"[:500])
                self._replace(worker)
                continue
            self._lost(worker, ticket, overran)
        return ticket.prepared

    def done(self, ticket: Ticket) -> bool:
        """Whether `result` would answer at once."""
        worker = ticket.worker
        if ticket.prepared is not None or worker is None:
            return True
        try:
            return worker.conn.poll(0)
        except (EOFError, OSError):
            return True

    def _start(self) -> bool:
        if self._started:
            return True
        import multiprocessing

        self._started = True
        try:
            context = multiprocessing.get_context("spawn")
            for _ in range(self.workers):
                self._idle.append(_Worker(context, self.prepare_fn, self.seconds, self.memory_mb))
        except Exception as exc:  # noqa: BLE001 - e.g. no process may be started here: one process will do
            log.warning("no worker processes (%s: %s): preparing in-process, without the budget's limits",
                        type(exc).__name__, exc, extra={"event": "prepare.pool_failed"})
            self._broken = True
            self.close()
            return False
        return True

    def _send(self, ticket: Ticket) -> bool:
        """Hand `ticket` to an idle worker; a worker found dead (killed while idle) is
        replaced once. False when no worker took it."""
        for _ in range(2):
            if not self._idle and not self._spawn():
                break
            worker = self._idle.popleft()
            self._busy.append(worker)
            try:
                worker.send(ticket)
                return True
            except (OSError, ValueError):
                self._busy.remove(worker)
                worker.stop(kill=True)
                log.warning("a worker died while idle (exit code %s); replaced", worker.process.exitcode,
                            extra={"event": "prepare.worker_died"})
        ticket.worker = None
        return False

    def _release(self, worker: _Worker) -> None:
        self._busy.remove(worker)
        self._idle.append(worker)

    def _spawn(self) -> bool:
        import multiprocessing

        try:
            self._idle.append(_Worker(multiprocessing.get_context("spawn"), self.prepare_fn, self.seconds,
                                      self.memory_mb))
            return True
        except Exception as exc:  # noqa: BLE001
            log.warning("cannot start a worker process (%s: %s)", type(exc).__name__, exc,
                        extra={"event": "prepare.pool_failed"})
            return False

    def _replace(self, worker: _Worker) -> None:
        if worker in self._busy:
            self._busy.remove(worker)
        worker.stop(kill=True)
        self._spawn()

    def _lost(self, worker: _Worker, ticket: Ticket, overran: bool) -> None:
        """The worker preparing `ticket` ended without an answer, or `overran` its
        deadline: replace it, and record why on the ticket (or try the body once more)."""
        worker.process.join(0 if overran else 5)  # a worker that closed its pipe is ending: wait for its exit code
        self._replace(worker)
        code = worker.process.exitcode
        ticket.worker = None
        if overran or code == -signal.SIGALRM:
            ticket.prepared = Prepared(error=f"preparing took longer than the {self.seconds:g} s budget "
                                             "(watcher.budget.PREPARE_SECONDS); its worker was stopped")
            log.warning("preparing a body overran its %g s budget; its worker was stopped", self.seconds,
                        extra={"event": "prepare.overrun", "source": ticket.job[0].id})
            return
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        log.warning("the worker preparing a body died (%s)", how,
                    extra={"event": "prepare.worker_died", "source": ticket.job[0].id})
        if not ticket.retried:
            # Killed from outside (SIGKILL: the OOM killer) or a crash: once more, in a fresh worker.
            ticket.retried = True
            if self._send(ticket):
                return
        ticket.prepared = Prepared(error=f"the worker preparing this body died ({how}){', twice' * ticket.retried}: "
                                         f"a crash in a parser, or memory past the {self.memory_mb} MB budget")

    def close(self) -> None:
        for worker in [*self._idle, *self._busy]:
            worker.stop(kill=worker in self._busy)
        self._idle.clear()
        self._busy.clear()


def _serve(conn: Connection, prepare_fn: Callable[..., Prepared], seconds: float, memory_mb: int) -> None:
    """A worker process: prepare each body received on `conn` and send back the result,
    each under a `seconds` timer whose signal ends the process, and with its address
    space limited to what it holds now plus `memory_mb`. Ends when `conn` closes."""
    global _memory_budget_mb
    # Ctrl-C reaches the whole process group, and systemd's SIGTERM the whole unit: the
    # polling process handles them (it finishes the body in hand, then closes the pipes,
    # and a worker reads EOF and leaves); a worker printing its own traceback would not help.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the timer's signal ends the process, even inside C code
    import watcher._prepare_worker  # noqa: F401 - parsers and lexicons, before the first body

    _memory_budget_mb = memory_mb
    _limit_memory(memory_mb)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            prepared = prepare_fn(*job)
        except MemoryError:
            prepared = Prepared(error=f"preparing exceeded the {memory_mb} MB memory budget "
                                      "(watcher.budget.PREPARE_MEMORY_MB)")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        del job
        try:
            conn.send(prepared)
        except MemoryError:
            conn.send(Prepared(error=f"preparing exceeded the {memory_mb} MB memory budget "
                                     "(watcher.budget.PREPARE_MEMORY_MB)"))
        except (EOFError, OSError):
            return


def _limit_memory(memory_mb: int) -> None:
    """RLIMIT_AS of this process: its address space now plus `memory_mb`."""
    try:
        import resource

        with open("/proc/self/statm") as f:
            now = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = now + memory_mb * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError) as exc:  # not on Linux: the time limit still holds
        log.warning("no memory limit for the worker: %s", exc, extra={"event": "prepare.no_memory_limit"})


def pool_for_cycle(first_polls: int, workers: int | None = None) -> PreparePool | None:
    """The pool for a cycle with `first_polls` sources that have no baseline yet: one
    worker (the backstop), or one per core when the cycle holds POOL_MIN_FIRST_POLLS
    first polls or more (as many as the environment variable WATCHER_WORKERS says, if
    set). None prepares in the polling process, without the time and memory limits:
    WATCHER_WORKERS=0, or `workers=0`. `workers` forces a pool of that size."""
    if workers is None:
        setting = os.environ.get("WATCHER_WORKERS", "").strip()
        if setting == "0":
            return None
        if first_polls < POOL_MIN_FIRST_POLLS:
            workers = 1
        else:
            workers = int(setting) if setting.isdigit() else usable_cores()
    if workers <= 0:
        return None
    return PreparePool(workers)
