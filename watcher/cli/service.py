"""Sending and running: `digest`, `run`, `demo`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from watcher.cli.app import EXIT_FAILURES, main
from watcher.cli.output import (
    print_send_report,
)
from watcher.errors import UsageError
from watcher.terminal import terminal_line, terminal_safe

if TYPE_CHECKING:
    from watcher.cli.app import Settings


@main.command()
@click.option("--channel", "channel_ids", multiple=True, metavar="ID", help="Only this channel (repeatable); also sends an instant channel's backlog.")
@click.option("--dry-run", is_flag=True, help="Print what would be sent (the plain-text digest); mark nothing.")
@click.option("--out", metavar="FILE", type=click.Path(dir_okay=False), help="With --dry-run: write the HTML digest to FILE.")
@click.pass_obj
def digest(settings: Settings, channel_ids: tuple[str, ...], dry_run: bool, out: str | None) -> None:
    """Send each digest channel, now, everything not yet sent to it.

    `watcher run` and the systemd timer follow each channel's `schedule`; this
    command sends at once. A change is sent to a channel once: running it twice
    sends nothing the second time. Exit 3 when a channel failed (its changes stay
    queued and are retried with backoff).

    \b
    Examples:
      watcher digest --dry-run
      watcher digest --channel legal-team --dry-run --out digest.html
      watcher digest
    """
    from watcher.notify.outbox import send_digests

    config = settings.config()
    known = {c.id for c in config.channels}
    for cid in channel_ids:
        if cid not in known:
            raise UsageError(f"no channel with id '{cid}' in {config.path}")
    if out and not dry_run:
        raise UsageError("--out writes the HTML of a --dry-run; add --dry-run")
    if not config.channels:
        raise UsageError(f"{config.path} has no channels; add one under 'channels:' (see README)")

    def show(channel: Any, dg: Any) -> None:
        from watcher.notify.render import render_digest

        rendered = render_digest(dg, channel.options.get("templates"))
        click.echo(f"=== channel {channel.id} ({channel.type}) ===")
        click.echo(f"Subject: {terminal_line(rendered.subject)}\n")
        click.echo(terminal_safe(rendered.text))
        if out:
            Path(out).write_text(rendered.html, encoding="utf-8")
            click.echo(f"(HTML written to {out})")

    with settings.store() as store:
        report = send_digests(store, config, channel_ids, dry_run=dry_run, on_dry_run=show)
    print_send_report(report)
    if report.undelivered:
        sys.exit(EXIT_FAILURES)


@main.command()
@click.option("--tick", type=click.FloatRange(min=0.05), default=5.0, show_default=True, metavar="SECONDS",
              help="How often the scheduler looks for due sources and digest windows.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info", show_default=True)
@click.option("--lease", type=click.FloatRange(min=1), default=600, show_default=True, metavar="SECONDS",
              help="How long a source or an alert taken by this instance stays its own: those of an "
                   "instance that died mid-poll or mid-send are taken over by another after this.")
@click.pass_obj
def run(settings: Settings, tick: float, log_level: str, lease: float) -> None:
    """The long-running service: polls each source on its interval, sends digests on
    their schedules and instant alerts after each poll. Logs one line per event to
    stderr (JSON when not a terminal). SIGHUP reloads the configuration; SIGTERM or
    SIGINT stops cleanly.

    On PostgreSQL several instances (on several hosts) may share one store: each due
    source is polled by one of them, each alert and digest sent once. A SQLite store
    takes one instance; a second is refused (exit 2).

    \b
    Examples:
      watcher run
      watcher --db postgresql+psycopg://watcher@db.example.org/watcher run   # on each host
      systemctl start watcher        # see systemd/watcher.service
    """
    import os

    from watcher import logs
    from watcher.service import Service

    logs.configure(log_level)
    code = Service(settings.config_path, settings.db_url, tick=tick, lease=lease).run()
    sys.stdout.flush()
    sys.stderr.flush()
    # A fetch abandoned by SIGTERM may still sit in its socket until its timeout;
    # everything is committed and closed, so do not wait for those threads.
    os._exit(code)


@main.command()
@click.option("--keep", metavar="DIR", type=click.Path(file_okay=False), help="Keep the demo store in DIR instead of a temporary directory.")
def demo(keep: str | None) -> None:
    """Run the whole pipeline offline on bundled sample feeds and show what changed.

    Serves sample feeds (seven jurisdictions, four languages, EUC-KR and Big5 among
    them) on 127.0.0.1, polls them (the baseline), swaps in a later version of the
    feeds, polls again, and prints the changes. No network needed.
    """
    from watcher.demo import run_demo

    run_demo(keep)
