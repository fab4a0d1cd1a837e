"""corrections: each change keeps the text it was classified from; analysts' corrections

`changes` gains `text` and `stated_dates` (what the change was classified from, so
`watcher reclassify` classifies each change from its own version of the item),
`classified` (the classifier's labels, once a change is corrected) and `corrected`.
The `corrections` table keeps each `watcher correct`, with who, when and the note.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("changes") as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("stated_dates", _json(), nullable=True))
        batch_op.add_column(sa.Column("classified", _json(), nullable=True))
        batch_op.add_column(sa.Column("corrected", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("relevant", sa.Boolean(), nullable=True),
        sa.Column("tags_add", _json(), nullable=False),
        sa.Column("tags_remove", _json(), nullable=False),
        sa.Column("jurisdictions_add", _json(), nullable=False),
        sa.Column("jurisdictions_remove", _json(), nullable=False),
        sa.ForeignKeyConstraint(["change_id"], ["changes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_corrections_change_id", "corrections", ["change_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_corrections_change_id", table_name="corrections")
    op.drop_table("corrections")
    with op.batch_alter_table("changes") as batch_op:
        batch_op.drop_column("corrected")
        batch_op.drop_column("classified")
        batch_op.drop_column("stated_dates")
        batch_op.drop_column("text")
