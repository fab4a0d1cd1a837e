"""`watcher demo`: the whole pipeline, offline, in a few seconds.

Serves the bundled sample feeds (round1/) on 127.0.0.1, polls them (the
baseline: stored, never alerted), swaps in round2/ (new entries, an edited
entry, entries rotated off, one feed untouched), polls again and prints what
changed, as `watcher changes` would.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from watcher.demo.server import LocalServer, Route
from watcher.errors import WatcherError
from watcher.poll import PollReport

if TYPE_CHECKING:
    from watcher.config import Config

DATA = Path(__file__).parent
_TYPES = {".xml": "application/rss+xml", ".rdf": "application/rdf+xml", ".atom": "application/atom+xml"}


def demo_config(base_url: str) -> Config:
    """The demo's configuration with its server's address written in. The address is
    not a secret, so it is not a `${VAR}`: every `${VAR}` value is masked wherever
    watcher shows a URL, and the demo's links should stay links."""
    from watcher.config import parse_config

    path = DATA / "sources.yaml"
    return parse_config(path.read_text(encoding="utf-8").replace("{DEMO_URL}", base_url), path, os.environ)


def serve_round(server: LocalServer, round_name: str) -> None:
    """Point the server's routes at the files of one round."""
    for path in sorted((DATA / round_name).iterdir()):
        server.set("/" + path.name, Route(path.read_bytes(), _TYPES.get(path.suffix, "application/xml")))


def run_demo(keep: str | None = None) -> None:
    from watcher.cli.output import emit_changes
    from watcher.poll import poll_sources
    from watcher.store.db import open_store
    from watcher.store.queries import ChangeFilter, change_as_dict, find_changes

    started = time.monotonic()
    workdir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="watcher-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "watcher.db"
    if db.exists():
        db.unlink()
    with LocalServer() as server:
        config = demo_config(server.base_url)
        click.secho(f"Serving {len(config.sources)} sample feeds on {server.base_url} (no network needed).", bold=True)
        with open_store(f"sqlite:///{db}") as store:
            serve_round(server, "round1")
            first = poll_sources(list(config.sources), store)
            stored = sum(o.items or 0 for o in first.outcomes)
            click.echo(f"1st poll: baseline of {first.count('baseline')} sources, {stored} items stored, classified, not alerted.")
            serve_round(server, "round2")
            _report_failures(first)
            second = poll_sources(list(config.sources), store)
            _report_failures(second)
            new = sum(o.new for o in second.outcomes)
            updated = sum(o.updated for o in second.outcomes)
            quiet = second.count("unchanged") + second.count("not-modified")
            click.echo(f"2nd poll: {new} new, {updated} updated; {quiet} sources unchanged "
                       f"({second.count('not-modified')} answered 304 Not Modified, never parsed).")
            with store.session() as session:
                rows = [change_as_dict(c) for c in find_changes(session, ChangeFilter(limit=None, include_irrelevant=False))]
                hidden = len(find_changes(session, ChangeFilter(limit=None, include_irrelevant=True))) - len(rows)
    fresh = [r for r in rows if not r["baseline"]]
    click.echo()
    click.secho("What changed since the baseline:", bold=True)
    emit_changes(fresh, "table")
    click.echo()
    click.echo(f"{len(rows) - len(fresh)} baseline items are queryable too; {hidden} items classified "
               "not about AI governance are stored but hidden (see them with --all).")
    click.echo(f"Done in {time.monotonic() - started:.1f}s. Explore the demo store:")
    click.echo(f"  watcher --db {db} changes --all")
    click.echo(f"  watcher --db {db} changes --jurisdiction KR --format json")
    click.echo(f"  watcher --db {db} show {fresh[0]['id'] if fresh else 1}")
    if first.failures or second.failures:
        raise WatcherError("the demo could not poll all of its own local feeds (see above); "
                           "is something intercepting connections to 127.0.0.1?")


def _report_failures(report: PollReport) -> None:
    for outcome in report.failures:
        click.secho(f"  failed {outcome.source_id}: {outcome.error}", fg="red", err=True)
