"""Alembic environment. watcher runs migrations itself (`watcher.store.db`), passing
an open connection in `config.attributes["connection"]`; there is no alembic.ini."""

from __future__ import annotations

from alembic import context

from watcher.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
