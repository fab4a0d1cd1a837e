"""The `watcher` command group: its options, its settings, and how errors become
exit codes. The commands register themselves on `main` from the other modules of
this package (`watcher.cli` imports them all).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from watcher import __version__
from watcher.errors import WatcherError

if TYPE_CHECKING:
    from watcher.config import Config
    from watcher.store.db import Store

EXIT_FAILURES = 3  # SPEC.md: the command ran but some sources or deliveries failed (2 comes with UsageError)


@dataclass
class Settings:
    config_path: str | None
    db_url: str | None

    def config(self) -> Config:
        from watcher.config import load_config

        return load_config(self.config_path)

    def store(self) -> Store:
        from watcher.store.db import open_store

        return open_store(self.db_url)



@functools.cache
def _tune_gc() -> None:
    """Once per process (a test runner invokes the CLI many times, and freezing again
    would keep each test's garbage forever). Objects made at start-up (click's, later SQLAlchemy's and the lexicons') live as
    long as the process: `gc.freeze` keeps the cyclic collector from walking them
    again and again, and a larger first generation lets it run less often while a
    poll allocates many short-lived objects (which reference counting frees anyway).
    About 7% of a poll of 2,000 unchanged sources."""
    import gc

    gc.freeze()
    gc.set_threshold(20_000, 50, 100)



@functools.cache
def _skip_trio() -> None:
    """httpcore imports trio whenever it is installed (for its trio backend), and
    that costs ~45 ms, a twentieth of a poll of 2,000 unchanged sources. watcher
    never runs under trio, so in its own process (not when imported as a library)
    `import trio` is made to fail at once, as if trio were not installed. A process
    that already imported trio keeps it."""
    sys.modules.setdefault("trio", None)  # type: ignore[arg-type]



class WatcherGroup(click.Group):
    """Maps watcher's errors to SPEC.md exit codes with a one-line message, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        _tune_gc()
        _skip_trio()
        try:
            return super().invoke(ctx)
        except WatcherError as exc:
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"watcher: error: {line}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("watcher: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:
            # The store failing mid-command (read-only file, full disk, database gone):
            # a clear message and exit 3, not a traceback. Work already committed stays.
            if type(exc).__module__.split(".")[0] != "sqlalchemy":
                raise
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
            hint = ""
            if "readonly" in reason or "read-only" in reason:
                hint = " (the store file or its directory is read-only: check permissions)"
            elif "full" in reason:
                hint = " (the disk is full: free space, then run the command again)"
            click.echo(f"watcher: error: the store could not be written: {reason}{hint}", err=True)
            ctx.exit(3)



@click.group(cls=WatcherGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", metavar="PATH", help="Configuration file [default: $WATCHER_CONFIG or ./sources.yaml].")
@click.option("--db", "db_url", metavar="URL", help="Store: SQLAlchemy URL or SQLite path [default: $WATCHER_DB or state/watcher.db].")
@click.version_option(__version__, prog_name="watcher")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, db_url: str | None) -> None:
    """Watch official sources for AI-regulation changes, classify them, and report.

    \b
    Examples:
      watcher demo                                  # the whole pipeline, offline
      watcher check-config --config sources.yaml
      watcher poll --jurisdiction KR
      watcher changes --jurisdiction KR --since 30d
      watcher changes --tag delay --format json
    """
    ctx.obj = Settings(config_path, db_url)



def run_cli(argv: Sequence[str] | None = None) -> int:
    """Run the CLI in-process and return its exit code (for tests)."""
    try:
        main.main(args=list(argv) if argv is not None else None, prog_name="watcher", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
