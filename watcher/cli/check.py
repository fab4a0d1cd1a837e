"""`watcher check-config`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from watcher.cli.app import main
from watcher.cli.output import (
    print_json,
)
from watcher.terminal import terminal_line

if TYPE_CHECKING:
    from watcher.cli.app import Settings
    from watcher.config import Config


@main.command("check-config")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def check_config(settings: Settings, fmt: str) -> None:
    """Validate the configuration and print a summary (exit 2 naming each fault).

    \b
    Example:
      watcher check-config --config sources.yaml
    """
    from collections import Counter

    config = settings.config()
    if fmt == "json":
        print_json({
            "config": str(config.path),
            "sources": [{"id": s.id, "type": s.type, "jurisdictions": list(s.jurisdictions), "interval": s.interval}
                        for s in config.sources],
            "channels": [{"id": c.id, "type": c.type, "mode": c.mode} for c in config.channels],
        })
        return
    by_type = Counter(s.type for s in config.sources)
    by_jur = Counter(j for s in config.sources for j in s.jurisdictions)
    click.echo(f"{config.path}: OK")
    click.echo(f"  {len(config.sources)} sources: " + ", ".join(f"{n} {t}" for t, n in by_type.most_common()))
    click.echo("  jurisdictions: " + ", ".join(f"{j} {n}" for j, n in sorted(by_jur.items())))
    click.echo(f"  {len(config.channels)} channels" + (": " + ", ".join(f"{c.id} ({c.type}, {c.mode})" for c in config.channels) if config.channels else ""))
    for source_id, error in _selector_faults(settings, config):
        click.echo(f"  warning: source '{source_id}': on its last fetch {terminal_line(error)}", err=True)


def _selector_faults(settings: Settings, config: Config) -> list[tuple[str, str]]:
    """Sources whose selector or pattern matched nothing on their last fetch, read
    from the store if there is one (check-config never creates or migrates a store)."""
    from watcher.errors import StoreError
    from watcher.store.db import database_url, open_store
    from watcher.store.queries import source_states

    url = database_url(settings.db_url)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return []
    try:
        with open_store(url, migrate=False) as store, store.session() as session:
            states = source_states(session)
    except StoreError:
        return []
    return [(s.id, states[s.id].last_error) for s in config.sources
            if s.id in states and states[s.id].last_error and "matched nothing" in states[s.id].last_error]
