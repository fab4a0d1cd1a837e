"""Files for people and other programs: `calendar`, `feed`, `report`, `publish`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from watcher.cli.app import main
from watcher.cli.output import (
    change_filter,
    filter_options,
    print_fitted_table,
    print_json,
)
from watcher.errors import UsageError, WatcherError

if TYPE_CHECKING:
    from watcher.cli.app import Settings


@main.command("calendar")
@filter_options
@click.option("--ics", metavar="FILE", type=click.Path(dir_okay=False), help="Also write every event as an iCalendar (RFC 5545) file.")
@click.option("--past", is_flag=True, help="List dates that have passed too (the ICS file always has them all).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def calendar_command(settings: Settings, jurisdictions: tuple[str, ...], tags: tuple[str, ...],
                     source_ids: tuple[str, ...], since: str | None, ics: str | None, past: bool, fmt: str) -> None:
    """The compliance calendar: effective dates and deadlines of stored changes,
    one event per date of an instrument however many sources report it.

    A delay moves its event (same UID, new date), so a calendar app subscribed to
    the ICS file updates the event instead of adding a second one. Month- and
    year-precision dates are all-day events on the first day, their description
    saying so. Relevant changes only, baselines included.

    \b
    Examples:
      watcher calendar
      watcher calendar --jurisdiction EU --tag delay --ics eu-delays.ics
      watcher calendar --ics /var/www/watcher/calendar.ics --format json
    """
    from datetime import UTC, datetime

    from watcher.publish.calendar import build_events, to_ics, upcoming
    from watcher.publish.files import write_atomic

    flt = change_filter(jurisdictions, tags, source_ids, since)
    with settings.store() as store, store.session() as session:
        events = build_events(session, flt)
    shown = events if past else upcoming(events, datetime.now(UTC).date())
    if ics:
        write_atomic(ics, to_ics(events))
    if fmt == "json":
        print_json([e.as_dict() for e in shown])
    else:
        from rich.console import Console

        console = Console()
        if not shown:
            console.print("No dates match." if past else "No upcoming dates match (--past lists those gone by).",
                          markup=False)
        else:
            headers = ["date", "kind", "where", "instrument", "links", "sources"]
            body = [[e.date, "eff" if e.kind == "effective" else "due", ",".join(e.jurisdictions) or "-",
                     e.instrument + (f" (moved from {', '.join(e.previous_dates)})" if e.previous_dates else ""),
                     str(len(e.links)), ",".join(dict.fromkeys(ln.source for ln in e.links))] for e in shown]
            print_fitted_table(console, headers, body, flex="instrument", right={"links"}, droppable=("sources",))
            console.print(f"{len(shown)} dates (eff = effective, due = deadline).", style="dim", markup=False)
    if ics:
        click.echo(f"{len(events)} events written to {ics}", err=fmt == "json")


@main.command()
@filter_options
@click.option("--out", metavar="FILE", type=click.Path(dir_okay=False), required=True, help="Where to write the Atom feed ('-' for stdout).")
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True, help="At most N entries, newest first; 0 for all.")
@click.option("--self-url", metavar="URL", help="The URL the feed is published at (its rel=self link).")
@click.pass_obj
def feed(settings: Settings, jurisdictions: tuple[str, ...], tags: tuple[str, ...], source_ids: tuple[str, ...],
         since: str | None, out: str, limit: int, self_url: str | None) -> None:
    """An Atom feed of the relevant changes, for feed readers (baselines excluded).

    \b
    Examples:
      watcher feed --jurisdiction EU --tag delay --out eu-delays.atom
      watcher feed --out /var/www/watcher/changes.atom --self-url https://example.org/watcher/changes.atom
    """
    from dataclasses import replace

    from watcher.publish.atom import build_feed
    from watcher.publish.files import write_atomic

    flt = replace(change_filter(jurisdictions, tags, source_ids, since, limit=limit or None), include_baseline=False)
    with settings.store() as store, store.session() as session:
        data = build_feed(session, flt, self_url=self_url)
    if out == "-":
        sys.stdout.buffer.write(data)
        return
    write_atomic(out, data)
    click.echo(f"Atom feed written to {out}")


@main.command()
@filter_options
@click.option("--out", metavar="DIR", type=click.Path(file_okay=False), required=True, help="Directory to write index.html into.")
@click.option("--limit", type=click.IntRange(min=0), default=500, show_default=True, help="At most N changes in the table; 0 for all.")
@click.pass_obj
def report(settings: Settings, jurisdictions: tuple[str, ...], tags: tuple[str, ...], source_ids: tuple[str, ...],
           since: str | None, out: str, limit: int) -> None:
    """A static HTML report in DIR/index.html that opens from disk, offline: changes
    per jurisdiction over time, upcoming dates, a sortable and filterable table of
    recent changes, source health. One file; no external requests.

    \b
    Examples:
      watcher report --out report/ && xdg-open report/index.html
      watcher report --jurisdiction KR --jurisdiction JP --since 90d --out /var/www/watcher/asia
    """
    from watcher.publish.files import write_atomic
    from watcher.publish.report import render_report

    flt = change_filter(jurisdictions, tags, source_ids, since, limit=limit or None)
    try:
        config = settings.config()
    except WatcherError as exc:  # the report still works from the store alone
        click.echo(f"watcher: warning: source names and never-polled sources left out: {str(exc).splitlines()[0]}", err=True)
        config = None
    with settings.store() as store, store.session() as session:
        html = render_report(session, flt, config=config)
    path = write_atomic(Path(out) / "index.html", html)
    click.echo(f"Report written to {path}")


@main.command()
@click.pass_obj
def publish(settings: Settings) -> None:
    """Regenerate the calendar, the feed and the report of the configuration's
    `publish:` section now (`watcher run` does it after each poll that recorded changes).

    \b
    Example:
      watcher publish            # e.g. from cron, when not running `watcher run`
    """
    from watcher.publish.files import publish_all

    config = settings.config()
    if config.publish is None:
        raise UsageError(f"{config.path} has no 'publish:' section; add one with a dir (see README), "
                         "or use `watcher calendar --ics`, `watcher feed` and `watcher report`")
    with settings.store() as store:
        for path in publish_all(config.publish, store, config):
            click.echo(f"written {path}")
