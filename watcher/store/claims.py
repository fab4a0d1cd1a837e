"""Several `watcher run` instances on one store: who polls which source.

A source is polled by the instance holding its lease (`sources.claimed_by`,
`claimed_until`). `claim_due` takes every due, unleased (or expired) source in one
atomic UPDATE; on PostgreSQL the rows are picked with `SELECT ... FOR UPDATE SKIP
LOCKED`, so two instances claiming at once never wait for each other and never
take the same row. The poll releases a source's lease in the same transaction
that stores its new `next_poll_at` (poll.py), so the next instance to look finds
it not yet due. An instance killed mid-poll leaves its leases behind; they run
out after `lease` and another instance takes the sources over.

On SQLite only one `watcher run` may use a store: `single_instance_lock` holds an
OS lock on a file beside the database for the life of the service.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from watcher.errors import UsageError
from watcher.store.db import Store
from watcher.store.models import SourceState


def instance_id() -> str:
    """This process's name in leases: host, pid and a random suffix (pids are reused)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def ensure_sources(session: Session, source_ids: Iterable[str]) -> None:
    """Create the missing rows of `sources` (a newly configured source), racing safely
    with another instance doing the same (INSERT ... ON CONFLICT DO NOTHING)."""
    ids = list(source_ids)
    if not ids:
        return
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    rows = [{"id": sid, "consecutive_failures": 0} for sid in ids]
    session.execute(insert(SourceState).on_conflict_do_nothing(index_elements=["id"]), rows)


def claim_due(store: Store, source_ids: Iterable[str], owner: str, now: datetime, lease: timedelta) -> list[str]:
    """Lease to `owner` every source among `source_ids` that is due (never polled, or its
    `next_poll_at` has passed) and not leased to another instance; returns their ids."""
    ids = list(source_ids)
    if not ids:
        return []
    free = or_(SourceState.claimed_until.is_(None), SourceState.claimed_until <= now,
               SourceState.claimed_by == owner)
    due = or_(SourceState.next_poll_at.is_(None), SourceState.next_poll_at <= now)
    with store.session() as session:
        known = set(session.scalars(select(SourceState.id).where(SourceState.id.in_(ids))))
        if len(known) < len(ids):
            ensure_sources(session, [sid for sid in ids if sid not in known])
            session.commit()
        # A plain read first: most ticks find nothing due and so write nothing.
        candidates = session.scalars(select(SourceState.id).where(SourceState.id.in_(ids), due, free)).all()
        if not candidates:
            return []
        pick = (select(SourceState.id).where(SourceState.id.in_(candidates), due, free)
                .with_for_update(skip_locked=True))
        claimed = session.scalars(
            update(SourceState).where(SourceState.id.in_(pick.scalar_subquery()), due, free)
            .values(claimed_by=owner, claimed_until=now + lease)
            .returning(SourceState.id)).all()
    return sorted(claimed)


def release(store: Store, owner: str, source_ids: Iterable[str] | None = None) -> int:
    """Give back `owner`'s leases (all of them, or those of `source_ids`) still held:
    the sources a stopped cycle did not reach. Returns how many."""
    with store.session() as session:
        query = update(SourceState).where(SourceState.claimed_by == owner)
        if source_ids is not None:
            query = query.where(SourceState.id.in_(list(source_ids)))
        return session.execute(query.values(claimed_by=None, claimed_until=None)).rowcount


def single_instance_lock(store: Store) -> IO[str] | None:
    """On a SQLite store, an exclusive OS lock on `<database>.run.lock`, held for the
    life of the returned file (None for other backends, and for in-memory stores).
    Raises UsageError (exit 2) when another `watcher run` holds it."""
    import fcntl

    url = store.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    from watcher.store.db import _sqlite_path

    path = _sqlite_path(url.render_as_string(hide_password=False))
    if not path:
        return None
    lock_path = Path(path).with_name(Path(path).name + ".run.lock")
    handle = lock_path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise UsageError(
            f"another `watcher run` ({holder}) is already using the SQLite store {path}; "
            "a SQLite store takes one instance: stop that one first, or put the store on "
            "PostgreSQL (--db postgresql+psycopg://...) to run several") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
    handle.flush()
    return handle
