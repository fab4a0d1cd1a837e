"""evidence: what was fetched when a change was detected

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=True),
        sa.Column("text_size", sa.Integer(), nullable=False),
        sa.Column("text_zlib", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.create_index("ix_evidence_source_fetched", ["source_id", "fetched_at"], unique=False)
    with op.batch_alter_table("changes") as batch_op:
        batch_op.add_column(sa.Column("evidence_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_changes_evidence", "evidence", ["evidence_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("changes") as batch_op:
        batch_op.drop_constraint("fk_changes_evidence", type_="foreignkey")
        batch_op.drop_column("evidence_id")
    op.drop_table("evidence")
