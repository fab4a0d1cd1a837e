"""`watcher poll`, and classifying outside a poll: `classify`, `eval`, `reclassify`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from watcher.cli.app import EXIT_FAILURES, main
from watcher.cli.output import (
    print_send_report,
)
from watcher.errors import UsageError
from watcher.terminal import terminal_line

if TYPE_CHECKING:
    from watcher.cli.app import Settings


@main.command()
@click.option("--source", "source_ids", multiple=True, metavar="ID", help="Poll only this source (repeatable).")
@click.option("--jurisdiction", "jurisdictions", multiple=True, metavar="J", help="Poll only sources of this jurisdiction (repeatable; US includes US-CO).")
@click.pass_obj
def poll(settings: Settings, source_ids: tuple[str, ...], jurisdictions: tuple[str, ...]) -> None:
    """Poll every (or the named) source once, whether due or not, and store what changed.

    Exit 3 when any source failed; each failure is recorded (see `watcher sources`).
    Every new body is parsed and classified in a worker process stopped past 20 s or
    256 MB (that source then fails naming the limit); a poll with 32 or more first
    polls uses one worker per core. WATCHER_WORKERS=N sets how many; 0 prepares in
    this process, without those limits.

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
        print_send_report(sent)
    if report.failures or (sent is not None and sent.failures):
        sys.exit(EXIT_FAILURES)


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


@main.command()
@click.option("--explain", is_flag=True, help='Add "explain": for relevance and each jurisdiction, tag '
              "and date, the phrase of the input that gave it and the rule family.")
@click.pass_obj
def classify(settings: Settings, explain: bool) -> None:
    """Classify JSON lines from stdin: {"id", "title", "text", "jurisdiction"?, "published"?}
    -> {"id", "relevant", "jurisdictions", "tags", "dates"}, one line each, in order.

    With --explain each line also has "explain": [{"field", "value", "text", "rule"}],
    one entry for "relevant" and one per jurisdiction, tag and date; the labels are
    the same as without it.

    \b
    Examples:
      echo '{"id": 1, "title": "EU delays AI Act high-risk rules to December 2027", "text": ""}' | watcher classify
      watcher classify --explain < items.jsonl | jq -c '.explain[] | select(.field == "tags")'
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
                               jurisdiction=item.get("jurisdiction"), published=item.get("published"),
                               explain=explain)
        record = {"id": item.get("id"), **result.as_dict()}
        if explain:
            record["explain"] = result.explain
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
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
