"""What several commands print: changes in every format, fitted tables, JSON, send
reports, and the filter options that `changes`, `calendar`, `feed` and `report`
share. The demo prints its changes with `emit_changes` too."""

from __future__ import annotations

import sys
from typing import Any

import click

from watcher.errors import UsageError
from watcher.terminal import csv_cell, json_text, terminal_line


def print_json(data: Any) -> None:
    import json

    sys.stdout.write(json_text(json.dumps(data, ensure_ascii=False, indent=2)) + "\n")


def emit_changes(rows: list[dict[str, Any]], fmt: str) -> None:
    import json

    if fmt == "json":
        print_json(rows)
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
        print_changes_table(rows)


def print_changes_table(rows: list[dict[str, Any]]) -> None:
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
    print_fitted_table(console, headers, body, flex="title", right={"id"},
                        droppable=("source", "detected", "tags", "key date"))
    console.print(f"{len(rows)} changes (upd = updated, base = baseline, due = deadline). Details: watcher show ID",
                  style="dim", markup=False, soft_wrap=True)


def print_fitted_table(console: Any, headers: list[str], body: list[list[str]], flex: str,
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


def filter_options(func: Any) -> Any:
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


def change_filter(jurisdictions: tuple[str, ...], tags: tuple[str, ...], source_ids: tuple[str, ...],
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


def print_send_report(report: Any) -> None:
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
