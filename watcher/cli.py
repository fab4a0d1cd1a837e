"""The `watcher` command: a thin shell over the pipeline's stages.

Every command has help with an example and a machine-readable output format.
Heavy modules (SQLAlchemy, httpx, feedparser, rich) are imported inside the
commands that need them, so `watcher --help` starts fast.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from watcher import __version__
from watcher.errors import UsageError, WatcherError
from watcher.terminal import csv_cell, json_text, terminal_line, terminal_safe

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


# -- check-config ----------------------------------------------------------------


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
        _print_json({
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


# -- poll ------------------------------------------------------------------------


@main.command()
@click.option("--source", "source_ids", multiple=True, metavar="ID", help="Poll only this source (repeatable).")
@click.option("--jurisdiction", "jurisdictions", multiple=True, metavar="J", help="Poll only sources of this jurisdiction (repeatable; US includes US-CO).")
@click.pass_obj
def poll(settings: Settings, source_ids: tuple[str, ...], jurisdictions: tuple[str, ...]) -> None:
    """Poll every (or the named) source once, whether due or not, and store what changed.

    Exit 3 when any source failed; each failure is recorded (see `watcher sources`).
    A poll with 32 or more first polls parses and classifies on every core (worker
    processes); WATCHER_WORKERS=N sets how many, 0 keeps it to one process.

    \b
    Examples:
      watcher poll
      watcher poll --source kr-msit-press --source jp-egov-public-comments
      watcher poll --jurisdiction EU
    """
    import time

    from watcher.poll import poll_sources, select_sources

    config = settings.config()
    try:
        sources = select_sources(config, source_ids, jurisdictions)
    except KeyError as exc:
        raise UsageError(f"no source with id {exc} in {config.path}") from None
    if not sources:
        raise UsageError("no configured source matches the --source/--jurisdiction given")
    started = time.monotonic()
    with settings.store() as store:
        if sys.stdout.isatty():
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            with Progress(TextColumn("polling"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          TextColumn("{task.description}"), transient=True) as progress:
                task = progress.add_task("", total=len(sources))
                report = poll_sources(sources, store, channels=config.channels,
                                      on_outcome=lambda o: progress.update(task, advance=1, description=o.source_id))
        else:
            report = poll_sources(sources, store, channels=config.channels)
        sent = None
        if any(c.mode == "instant" for c in config.channels):
            from watcher.notify.outbox import send_instant

            sent = send_instant(store, config)
    _print_poll_summary(report, time.monotonic() - started)
    if sent is not None:
        _print_send_report(sent)
    if report.failures or (sent is not None and sent.failures):
        sys.exit(EXIT_FAILURES)


def _print_send_report(report: Any) -> None:
    for o in report.outcomes:
        if o.status == "sent":
            click.echo(f"  sent     {o.channel_id}: {o.changes} changes ({terminal_line(o.subject)})")
        elif o.status == "failed":
            click.echo(f"  failed   {o.channel_id}: {terminal_line(o.error)}; {o.changes} changes stay queued "
                       "and are retried", err=True)
        elif o.status == "refused":
            click.echo(f"  refused  {o.channel_id}: {o.refused} of {o.changes} changes refused for their size even "
                       f"shortened, marked failed and not retried ({terminal_line(o.error)}); the others were sent",
                       err=True)
        elif o.status == "waiting":
            click.echo(f"  waiting  {o.channel_id}: {o.changes} changes queued after a failure, "
                       f"{terminal_line(o.error)}", err=True)
        elif o.status == "nothing":
            click.echo(f"  nothing  {o.channel_id}: no change waiting")


def _print_poll_summary(report: Any, elapsed: float) -> None:
    new = sum(o.new for o in report.outcomes if o.status != "baseline")
    updated = sum(o.updated for o in report.outcomes)
    parts = [f"{report.count('changed')} changed ({new} new, {updated} updated)"]
    for status, label in (("unchanged", "unchanged"), ("not-modified", "not modified (304)"),
                          ("baseline", "baselined"), ("error", "failed")):
        if n := report.count(status):
            parts.append(f"{n} {label}")
    click.echo(f"Polled {len(report.outcomes)} sources in {elapsed:.1f}s: " + ", ".join(parts) + ".")
    baselined = [o for o in report.outcomes if o.status == "baseline"]
    if baselined:
        items = sum(o.items or 0 for o in baselined)
        plural = "s" if len(baselined) != 1 else ""
        click.echo(f"  baseline: {items} items stored from {len(baselined)} new source{plural}, classified, not alerted")
    for o in report.outcomes:
        if o.status == "error":
            click.echo(f"  failed   {o.source_id}: {terminal_line(o.error)}", err=True)


# -- changes / show ---------------------------------------------------------------


def _filter_options(func: Any) -> Any:
    """The filters of `watcher changes`, shared by `calendar`, `feed` and `report`."""
    options = [
        click.option("--jurisdiction", "jurisdictions", multiple=True, metavar="J", help="Only these jurisdictions (repeatable; US includes US-CO)."),
        click.option("--tag", "tags", multiple=True, metavar="T", help="Only changes with this tag (repeatable: any of them)."),
        click.option("--source", "source_ids", multiple=True, metavar="ID", help="Only changes from this source (repeatable)."),
        click.option("--since", metavar="WHEN", help="Detected since a duration ago (7d, 12h) or a date (2026-01-01)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _change_filter(jurisdictions: tuple[str, ...], tags: tuple[str, ...], source_ids: tuple[str, ...],
                   since: str | None, *, include_all: bool = False, limit: int | None = None) -> Any:
    """A validated `ChangeFilter` from the shared options (UsageError naming the bad one)."""
    from datetime import UTC, datetime

    from watcher import jurisdictions as jur
    from watcher.durations import parse_since
    from watcher.store.changes import ChangeFilter
    from watcher.vocabulary import TAGS

    codes = tuple(jur.normalise(j) for j in jurisdictions)
    for code in codes:
        if not jur.is_valid(code):
            raise UsageError(f"--jurisdiction {code}: unknown code; use ISO 3166-1 (KR), ISO 3166-2 (US-CO), EU, ASEAN or INTL")
    for tag in tags:
        if tag not in TAGS:
            raise UsageError(f"--tag {tag}: unknown tag; tags are: {', '.join(TAGS)}")
    try:
        since_at = parse_since(since, datetime.now(UTC)) if since else None
    except ValueError as exc:
        raise UsageError(f"--since {exc}") from None
    return ChangeFilter(jurisdictions=codes, tags=tags, sources=source_ids, since=since_at,
                        include_irrelevant=include_all, limit=limit)


@main.command()
@_filter_options
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True, help="At most N changes; 0 for all.")
@click.option("--all", "include_all", is_flag=True, help="Include items classified not relevant.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv"]), default="table", show_default=True)
@click.pass_obj
def changes(settings: Settings, jurisdictions: tuple[str, ...], tags: tuple[str, ...], source_ids: tuple[str, ...],
            since: str | None, limit: int, include_all: bool, fmt: str) -> None:
    """Recent changes, newest detected first.

    \b
    Examples:
      watcher changes --jurisdiction KR --since 30d
      watcher changes --tag delay --jurisdiction EU --format json
      watcher changes --source eu-digital-strategy --all --format csv > eu.csv
    """
    from watcher.store.changes import change_rows

    flt = _change_filter(jurisdictions, tags, source_ids, since, include_all=include_all, limit=limit or None)
    _emit_changes(change_rows(settings.db_url, flt), fmt)


def _emit_changes(rows: list[dict[str, Any]], fmt: str) -> None:
    import json

    if fmt == "json":
        _print_json(rows)
    elif fmt == "jsonl":
        out = sys.stdout
        for row in rows:
            out.write(json_text(json.dumps(row, ensure_ascii=False)) + "\n")
    elif fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(["id", "detected_at", "source", "kind", "title", "url", "published", "relevant",
                         "jurisdictions", "tags", "dates", "baseline", "summary"])
        for r in rows:
            cells = [r["id"], r["detected_at"], r["source"], r["kind"], r["title"], r["url"] or "",
                     r["published"] or "", r["relevant"], ";".join(r["jurisdictions"]), ";".join(r["tags"]),
                     ";".join(f"{d['date']}:{d['kind']}" for d in r["dates"]), r["baseline"], r["summary"]]
            writer.writerow([csv_cell(cell) for cell in cells])  # no cell a spreadsheet runs as a formula
    else:
        _print_table(rows)


def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console

    console = Console()
    if not rows:
        console.print("No changes match.", markup=False)
        return
    wide = console.width >= 120
    headers = ["id", "detected", "where", "kind", "tags", "key date", "title"] + (["source"] if wide else [])
    body = []
    for r in rows:
        kind = ("base" if r["baseline"] else "new") if r["kind"] == "new" else "upd"
        title = r["title"] if r["relevant"] else f"[not relevant] {r['title']}"
        # The date that bites: the first effective date, else the first deadline.
        dates = sorted(r["dates"], key=lambda d: (d["kind"] != "effective", d["date"]))
        key_date = f"{'eff' if dates[0]['kind'] == 'effective' else 'due'} {dates[0]['date']}" if dates else "-"
        body.append([str(r["id"]), r["detected_at"][:10], ",".join(r["jurisdictions"]) or "-", kind,
                     ",".join(r["tags"]) or "-", key_date, title] + ([r["source"][:24]] if wide else []))
    _print_fitted_table(console, headers, body, flex="title", right={"id"},
                        droppable=("source", "detected", "tags", "key date"))
    console.print(f"{len(rows)} changes (upd = updated, base = baseline, due = deadline). Details: watcher show ID",
                  style="dim", markup=False)


def _print_fitted_table(console: Any, headers: list[str], body: list[list[str]], flex: str,
                        right: set[str] = frozenset(), styles: dict[str, dict[str, str]] | None = None,
                        droppable: tuple[str, ...] = ()) -> None:
    """A borderless table that fits the terminal: every column but `flex` is as wide
    as its content and never cut; `flex` takes what is left and ends in an ellipsis;
    `droppable` columns go, in that order, when the terminal is too narrow for all.
    (rich's own fitting would squeeze narrow columns such as ids away instead.)
    Cells are plain text: feed content is never read as markup, and its terminal
    controls are removed before any cell is measured or cut."""
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    min_flex = 12
    body = [[terminal_line(value) for value in row] for row in body]

    def widths(cols: list[str]) -> list[int]:
        return [max(cell_len(h), *(cell_len(b[headers.index(h)]) for b in body)) for h in cols if h != flex]

    shown = list(headers)
    for name in droppable:
        if sum(widths(shown)) + 2 * len(shown) + min_flex <= console.width:
            break
        if name in shown:
            shown.remove(name)
    if shown != headers:
        keep = [headers.index(h) for h in shown]
        body = [[b[i] for i in keep] for b in body]
        headers = shown
    fixed = widths(headers)
    flex_width = max(min_flex, console.width - sum(fixed) - 2 * len(fixed))
    table = Table(box=None, header_style="bold", pad_edge=False, collapse_padding=True)
    for h in headers:
        table.add_column(h, no_wrap=True, justify="right" if h in right else "left",
                         max_width=flex_width if h == flex else None)
    for b in body:
        cells = []
        for h, value in zip(headers, b, strict=True):
            text = Text(value, style=(styles or {}).get(h, {}).get(value, ""))
            if h == flex:
                text.truncate(flex_width, overflow="ellipsis")
            cells.append(text)
        table.add_row(*cells)
    console.print(table)


@main.command()
@click.argument("change_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--evidence", is_flag=True, help="Also print what was fetched: time, final URL, status, validators, "
              "body SHA-256 and the stored text of that version.")
@click.pass_obj
def show(settings: Settings, change_id: int, fmt: str, evidence: bool) -> None:
    """One change whole, with its diff.

    \b
    Examples:
      watcher show 42
      watcher show 42 --format json
      watcher show 42 --evidence > change-42-evidence.txt
    """
    from watcher.store.queries import change_as_dict, evidence_as_dict, get_change

    with settings.store() as store, store.session() as session:
        change = get_change(session, change_id)
        if change is None:
            raise UsageError(f"no change with id {change_id}; list them with `watcher changes`")
        data = change_as_dict(change, with_diff=True)
        if evidence:
            data["evidence"] = evidence_as_dict(session, change.evidence_id)
    if fmt == "json":
        _print_json(data)
        return
    _print_change_text(data)
    if evidence:
        _print_evidence_text(data["evidence"])


def _print_evidence_text(ev: dict[str, Any] | None) -> None:
    if ev is None:
        click.echo("\nNo evidence stored for this change (recorded before evidence was kept).")
        return
    click.echo("\nEvidence (the fetch that produced this change):")
    for label in ("fetched_at", "url", "final_url", "status", "content_type", "etag", "last_modified", "body_sha256"):
        click.echo(f"{label:>13}: {terminal_line(str(ev[label])) if ev[label] is not None else '-'}")
    if ev["text"] is None:
        click.echo(f"\n(the fetched text, {ev['text_size']:,} characters, was pruned after the retention period)")
    else:
        click.echo(f"\n--- fetched text ({ev['text_size']:,} bytes) ---")
        click.echo(terminal_safe(ev["text"]))


def _print_change_text(d: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    out = Text()
    out.append(terminal_line(d["title"]) + "\n", style="bold")
    rows = [
        ("id", str(d["id"])), ("kind", d["kind"] + (" (baseline: not alerted)" if d["baseline"] else "")),
        ("source", d["source"]), ("url", d["url"] or "-"), ("detected", d["detected_at"]),
        ("published", d["published"] or "-"), ("relevant", "yes" if d["relevant"] else "no"),
        ("jurisdictions", ", ".join(d["jurisdictions"]) or "-"), ("tags", ", ".join(d["tags"]) or "-"),
        ("dates", ", ".join(f"{x['date']} ({x['kind']})" for x in d["dates"]) or "-"),
    ]
    for label, value in rows:
        out.append(f"{label:>13}: ", style="dim")
        out.append(terminal_line(value) + "\n")
    if d["summary"]:
        out.append("\n" + terminal_safe(d["summary"]) + "\n")
    if d.get("diff"):
        out.append("\n")
        for line in terminal_safe(d["diff"]).splitlines():
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line.startswith("@@") else None
            out.append(line + "\n", style=style)
    console.print(out, end="", soft_wrap=True)  # long URLs stay whole for copy and paste


# -- sources ---------------------------------------------------------------------


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def sources(settings: Settings, fmt: str) -> None:
    """Every configured source with its health: last success, last error,
    failures in a row, next poll.

    \b
    Examples:
      watcher sources
      watcher sources --format json | jq '.[] | select(.consecutive_failures > 0)'
    """
    from watcher.store.queries import iso, source_states

    config = settings.config()
    with settings.store() as store, store.session() as session:
        states = source_states(session)
    redact = _redactor(config.substituted)
    rows = []
    for s in config.sources:
        st = states.get(s.id)
        failures = st.consecutive_failures if st else 0
        if st is None or st.last_attempt_at is None:
            health = "never polled"
        elif failures:
            health = "failing"
        else:
            health = "ok"
        rows.append({
            "id": s.id, "name": s.name, "type": s.type, "jurisdictions": list(s.jurisdictions), "url": redact(s.url),
            "state": health,
            "last_success": iso(st.last_success_at) if st else None,
            "last_error": redact(st.last_error) if st else None,
            "last_error_at": iso(st.last_error_at) if st else None,
            "consecutive_failures": failures,
            "next_poll": iso(st.next_poll_at) if st else None,
            "items": st.item_count if st else None,
            "warning": st.last_warning if st else None,
        })
    if fmt == "json":
        _print_json(rows)
        return
    from rich.console import Console

    def when(value: str | None) -> str:
        return value[5:16].replace("T", " ") if value else "-"  # "11-23 08:00", UTC

    headers = ["id", "where", "type", "state", "last success", "fails", "next poll", "last error"]
    body = [[r["id"], ",".join(r["jurisdictions"]), r["type"], r["state"], when(r["last_success"]),
             str(r["consecutive_failures"]), when(r["next_poll"]), r["last_error"] or ""] for r in rows]
    colours = {"ok": "green", "failing": "red", "never polled": "yellow"}
    _print_fitted_table(Console(), headers, body, flex="last error", right={"fails"}, styles={"state": colours},
                        droppable=("next poll", "type", "where"))


# -- classify / eval / reclassify --------------------------------------------------


@main.command()
@click.pass_obj
def classify(settings: Settings) -> None:
    """Classify JSON lines from stdin: {"id", "title", "text", "jurisdiction"?, "published"?}
    -> {"id", "relevant", "jurisdictions", "tags", "dates"}, one line each, in order.

    \b
    Example:
      echo '{"id": 1, "title": "EU delays AI Act high-risk rules to December 2027", "text": ""}' | watcher classify
    """
    import json

    from watcher.classify import classify_item

    out = sys.stdout
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            raise UsageError(f"stdin line {number}: not a JSON object ({exc})") from None
        result = classify_item(str(item.get("title") or ""), str(item.get("text") or ""),
                               jurisdiction=item.get("jurisdiction"), published=item.get("published"))
        out.write(json.dumps({"id": item.get("id"), **result.as_dict()}, ensure_ascii=False) + "\n")
        out.flush()


@main.command("eval")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def eval_command(files: tuple[str, ...]) -> None:
    """Score the classifier on labelled JSON-lines files (the format of dev.jsonl).

    \b
    Example:
      watcher eval tests/data/dev.jsonl
    """
    from watcher.eval import main as eval_main

    sys.exit(eval_main(list(files)))


@main.command()
@click.option("--source", "source_ids", multiple=True, metavar="ID", help="Only changes of this source (repeatable).")
@click.pass_obj
def reclassify(settings: Settings, source_ids: tuple[str, ...]) -> None:
    """Classify every stored change again (after the rules or the config changed).

    \b
    Example:
      watcher reclassify --source kr-msit-press
    """
    from watcher.reclassify import reclassify_changes

    config = settings.config()
    with settings.store() as store:
        total, changed = reclassify_changes(config, store, source_ids)
    click.echo(f"Reclassified {total} changes: {changed} got a different classification.")


# -- calendar / feed / report -------------------------------------------------------


@main.command("calendar")
@_filter_options
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

    flt = _change_filter(jurisdictions, tags, source_ids, since)
    with settings.store() as store, store.session() as session:
        events = build_events(session, flt)
    shown = events if past else upcoming(events, datetime.now(UTC).date())
    if ics:
        write_atomic(ics, to_ics(events))
    if fmt == "json":
        _print_json([e.as_dict() for e in shown])
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
            _print_fitted_table(console, headers, body, flex="instrument", right={"links"}, droppable=("sources",))
            console.print(f"{len(shown)} dates (eff = effective, due = deadline).", style="dim", markup=False)
    if ics:
        click.echo(f"{len(events)} events written to {ics}", err=fmt == "json")


@main.command()
@_filter_options
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

    flt = replace(_change_filter(jurisdictions, tags, source_ids, since, limit=limit or None), include_baseline=False)
    with settings.store() as store, store.session() as session:
        data = build_feed(session, flt, self_url=self_url)
    if out == "-":
        sys.stdout.buffer.write(data)
        return
    write_atomic(out, data)
    click.echo(f"Atom feed written to {out}")


@main.command()
@_filter_options
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

    flt = _change_filter(jurisdictions, tags, source_ids, since, limit=limit or None)
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


# -- digests and the service ---------------------------------------------------------


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
    _print_send_report(report)
    if report.undelivered:
        sys.exit(EXIT_FAILURES)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def deliveries(settings: Settings, fmt: str) -> None:
    """The outbox per channel: changes pending and sent, retries, last error.

    \b
    Example:
      watcher deliveries --format json
    """
    from watcher.notify.outbox import delivery_summary

    config = settings.config()
    with settings.store() as store, store.session() as session:
        rows = {r["channel"]: r for r in delivery_summary(session)}
    table = []
    for c in config.channels:
        r = rows.get(c.id, {"channel": c.id, "pending": 0, "sent": 0, "failed": 0, "oldest_pending": None,
                            "max_attempts": 0,
                            "last_error": None, "next_attempt": None})
        table.append({**r, "type": c.type, "mode": c.mode})
    if fmt == "json":
        _print_json(table)
        return
    from rich.console import Console

    headers = ["channel", "type", "mode", "pending", "sent", "failed", "attempts", "next try", "last error"]
    body = [[r["channel"], r["type"], r["mode"], str(r["pending"]), str(r["sent"]), str(r["failed"]),
             str(r["max_attempts"]),
             (r["next_attempt"] or "-")[5:16].replace("T", " ") if r["next_attempt"] else "-", r["last_error"] or ""]
            for r in table]
    if not body:
        click.echo("No channels configured.")
        return
    _print_fitted_table(Console(), headers, body, flex="last error", right={"pending", "sent", "failed", "attempts"})


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
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def status(settings: Settings, fmt: str) -> None:
    """Health check: exit 0 when a source was polled within twice the shortest
    interval, 3 when the service looks stalled (for monitoring and systemd).

    \b
    Example:
      watcher status || systemctl restart watcher
    """
    from datetime import UTC, datetime

    from watcher.service import health

    config = settings.config()
    with settings.store() as store:
        report = health(config, store, datetime.now(UTC))
    if fmt == "json":
        _print_json(report)
    elif report["healthy"]:
        click.echo(f"healthy: last poll {report['last_poll_at']} ({report['seconds_since_last_poll']}s ago); "
                   f"{len(report['failing_sources'])} of {report['sources']} sources failing")
    else:
        last = report["last_poll_at"] or "never"
        click.echo(f"unhealthy: last poll {last}; expected one within {report['limit_seconds']:g}s "
                   "(twice the shortest interval). Is `watcher run` running?", err=True)
    if not report["healthy"]:
        sys.exit(EXIT_FAILURES)


# -- demo ------------------------------------------------------------------------------


# -- db ------------------------------------------------------------------------------


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


def _redactor(secrets: Sequence[str]) -> Any:
    """A function blanking the values substituted from ${VAR} (tokens in URLs...) in output."""
    values = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def redact(text: str | None) -> str | None:
        if text:
            for value in values:
                text = text.replace(value, "***")
        return text

    return redact


def _print_json(data: Any) -> None:
    import json

    sys.stdout.write(json_text(json.dumps(data, ensure_ascii=False, indent=2)) + "\n")


def run_cli(argv: Sequence[str] | None = None) -> int:
    """Run the CLI in-process and return its exit code (for tests)."""
    try:
        main.main(args=list(argv) if argv is not None else None, prog_name="watcher", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
