"""The store's tables, as SQLAlchemy 2.0 typed models. One module, the whole schema.

Timestamps are stored as UTC and read back timezone-aware on every backend.
Jurisdictions and tags are kept twice on purpose: as JSON on the change (what
`--format json` prints) and as rows in `change_jurisdictions` / `change_tags`
(what the indexed `--jurisdiction` / `--tag` filters search).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class JSONType(TypeDecorator[Any]):
    """JSON, as JSONB on PostgreSQL (indexable). The PostgreSQL dialect is imported
    only when used, which keeps it off the start-up path of SQLite users."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


class SourceState(Base):
    """What watcher knows of a configured source between polls: conditional-GET
    validators, health, and when to poll it next. Keyed by the config's id."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(64))
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_warning: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[datetime | None]
    baseline_at: Mapped[datetime | None]  # None until the first successful poll
    item_count: Mapped[int | None] = mapped_column(Integer)
    # The lease of the `watcher run` instance polling it now (store/claims.py): taken in one
    # atomic UPDATE, released when the poll is stored, taken over once `claimed_until` passes.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]


class Item(Base):
    """An item as last seen: one feed entry, listing row, API record or document."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("source_id", "key", name="uq_items_source_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[str] = mapped_column(String(64))
    published: Mapped[datetime | None]
    first_seen_at: Mapped[datetime]
    changed_at: Mapped[datetime]


class Change(Base):
    """A detected change: an item new to its source, or a known item whose title or text changed."""

    __tablename__ = "changes"
    __table_args__ = (
        Index("ix_changes_detected", "detected_at", "id"),
        Index("ix_changes_source_detected", "source_id", "detected_at"),
        Index("ix_changes_relevant_detected", "relevant", "detected_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str] = mapped_column(String(200))
    detected_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(10))  # "new" | "updated"
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    published: Mapped[datetime | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    relevant: Mapped[bool] = mapped_column(Boolean)
    jurisdictions: Mapped[list[str]] = mapped_column(JSONType())
    tags: Mapped[list[str]] = mapped_column(JSONType())
    dates: Mapped[list[dict[str, str]]] = mapped_column(JSONType())
    baseline: Mapped[bool] = mapped_column(Boolean)
    diff: Mapped[str | None] = mapped_column(Text)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    # What this change was classified from: its own title and text (an item's `text` is
    # its latest version) and the dates its source stated outright. NULL on changes
    # recorded before revision 0005 (watcher.reclassify says what it falls back to).
    # Deferred: up to MAX_ITEM_TEXT characters that no listing reads.
    text: Mapped[str | None] = mapped_column(Text, deferred=True)
    stated_dates: Mapped[list[dict[str, str]] | None] = mapped_column(JSONType())
    # relevant/jurisdictions/tags above are the effective labels (what every reader
    # shows and filters on). Once an analyst corrects a change, `classified` keeps the
    # classifier's own {"relevant", "jurisdictions", "tags"} and `corrected` is true
    # (watcher.store.corrections).
    classified: Mapped[dict[str, Any] | None] = mapped_column(JSONType())
    corrected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Evidence(Base):
    """What was fetched when a change was detected: proof of what was published when.
    One row per fetch that produced changes, shared by those changes. The text
    (zlib-compressed) is dropped after the source's `evidence_retention`; the
    hashes and headers are kept."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_source_fetched", "source_id", "fetched_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(200))
    fetched_at: Mapped[datetime]
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(Text)
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    text_size: Mapped[int] = mapped_column(Integer, default=0)
    text_zlib: Mapped[bytes | None] = mapped_column(LargeBinary)


class Correction(Base):
    """One `watcher correct` of a change: labels added and removed, a relevance
    override, a note, who and when. Applied in id order over the classifier's labels."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    relevant: Mapped[bool | None] = mapped_column(Boolean)
    tags_add: Mapped[list[str]] = mapped_column(JSONType())
    tags_remove: Mapped[list[str]] = mapped_column(JSONType())
    jurisdictions_add: Mapped[list[str]] = mapped_column(JSONType())
    jurisdictions_remove: Mapped[list[str]] = mapped_column(JSONType())


class ChangeJurisdiction(Base):
    __tablename__ = "change_jurisdictions"
    __table_args__ = (Index("ix_change_jurisdictions_code", "code", "change_id"),)

    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(12), primary_key=True)


class ChangeTag(Base):
    __tablename__ = "change_tags"
    __table_args__ = (Index("ix_change_tags_tag", "tag", "change_id"),)

    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)


class Digest(Base):
    """One digest message of a channel. Its identity (channel, period) makes a digest
    a thing that is sent once: two overlapping runs cannot both send it."""

    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint("channel_id", "period", name="uq_digests_channel_period"),
        Index("ix_digests_channel_status", "channel_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(100))  # the schedule window it belongs to, e.g. "2026-11-23T08:00+09:00#1"
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]


class Delivery(Base):
    """The outbox: one row per (channel, change) to send. Marked sent only after the
    receiver accepted the message that carried it, so a crash can at worst repeat
    the message in flight, never lose a change."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("channel_id", "change_id", name="uq_deliveries_channel_change"),
        Index("ix_deliveries_channel_status", "channel_id", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(200))
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digests.id", ondelete="SET NULL"))
