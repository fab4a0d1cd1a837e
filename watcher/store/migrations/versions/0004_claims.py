"""claims: several `watcher run` instances share one store

Sources get a lease (claimed_by, claimed_until): an instance takes the due sources
in one atomic UPDATE and releases them when their poll is stored; a lease left by
an instance that died runs out and the source is taken over.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    # The digest window's "handled" check and the outbox's claims search by channel.
    with op.batch_alter_table("digests") as batch_op:
        batch_op.create_index("ix_digests_channel_status", ["channel_id", "status"], unique=False)
    # `changes --since` with a relevance filter: the newest relevant changes first.
    with op.batch_alter_table("changes") as batch_op:
        batch_op.create_index("ix_changes_relevant_detected", ["relevant", "detected_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("changes") as batch_op:
        batch_op.drop_index("ix_changes_relevant_detected")
    with op.batch_alter_table("digests") as batch_op:
        batch_op.drop_index("ix_digests_channel_status")
    with op.batch_alter_table("sources") as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
