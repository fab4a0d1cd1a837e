"""`watcher db`: the store itself (upgrade, export, import)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from watcher.cli.app import main

if TYPE_CHECKING:
    from watcher.cli.app import Settings


@main.group()
def db() -> None:
    """The store itself: create or upgrade its schema, move it between backends.

    \b
    Examples:
      watcher --db postgresql+psycopg://watcher@db.example.org/watcher db upgrade
      watcher db export > store.jsonl                 # from the SQLite store
      watcher --db postgresql+psycopg://watcher@db.example.org/watcher db import store.jsonl
    """


@db.command("upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Create the store, or bring its schema up to this watcher's (Alembic migrations).

    Every command does this by itself on a store it opens; run it explicitly to
    upgrade a shared PostgreSQL store once, before restarting the instances.

    \b
    Example:
      watcher --db postgresql+psycopg://watcher@db.example.org/watcher db upgrade
    """
    from watcher.store.db import SCHEMA_REVISION, database_url, display_url

    with settings.store():
        click.echo(f"{display_url(database_url(settings.db_url))}: schema at revision {SCHEMA_REVISION}")


@db.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8", lazy=True), default="-")
@click.pass_obj
def db_export(settings: Settings, file: Any) -> None:
    """Write the whole store as JSON lines to FILE (default: standard output).

    \b
    Examples:
      watcher db export store.jsonl
      watcher --db sqlite:///state/watcher.db db export | gzip > store.jsonl.gz
    """
    from watcher.store.transfer import export_store

    with settings.store() as store:
        counts = export_store(store, file)
    click.echo(f"exported {_count_line(counts)}", err=True)


@db.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.pass_obj
def db_import(settings: Settings, file: Any) -> None:
    """Load FILE (made by `watcher db export`; default: standard input) into a new,
    empty store, ids and all. All or nothing.

    \b
    Examples:
      watcher --db postgresql+psycopg://watcher@db.example.org/watcher db import store.jsonl
      watcher --db sqlite:///copy.db db import store.jsonl
    """
    from watcher.store.transfer import import_store

    with settings.store() as store:
        counts = import_store(store, file)
    click.echo(f"imported {_count_line(counts)}", err=True)


def _count_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {name}" for name, n in counts.items() if n) or "an empty store"
