"""Reading the store: `changes`, `show`, `sources`, `status`, `deliveries`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from watcher.cli.app import EXIT_FAILURES, main
from watcher.cli.output import (
    change_filter,
    emit_changes,
    filter_options,
    print_fitted_table,
    print_json,
)
from watcher.errors import UsageError
from watcher.terminal import terminal_line, terminal_safe

if TYPE_CHECKING:
    from collections.abc import Callable

    from watcher.cli.app import Settings
    from watcher.config import SourceConfig


@main.command()
@filter_options
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

    flt = change_filter(jurisdictions, tags, source_ids, since, include_all=include_all, limit=limit or None)
    emit_changes(change_rows(settings.db_url, flt), fmt)


@main.command()
@click.argument("change_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--evidence", is_flag=True, help="Also print what was fetched: time, final URL, status, validators, "
              "body SHA-256 and the stored text of that version.")
@click.pass_obj
def show(settings: Settings, change_id: int, fmt: str, evidence: bool) -> None:
    """One change whole, with its diff, and why it has its labels.

    Under the change, each label (relevance, jurisdictions, tags, dates) with the
    phrase of the change's text that gave it and the rule family, as `watcher
    classify --explain` gives them ("explain" in --format json). They explain the
    current rules: the change's title and text are classified again when shown. If
    the stored labels differ from that re-run (the rules or the configuration changed
    and `watcher reclassify` was not run), a note says so ("explain_note"). Nothing
    is written.

    \b
    Examples:
      watcher show 42
      watcher show 42 --format json | jq '.explain'
      watcher show 42 --evidence > change-42-evidence.txt
    """
    from watcher.explanations import explain_change
    from watcher.store.queries import change_as_dict, evidence_as_dict, get_change

    source = _configured_source(settings)
    with settings.store() as store, store.session() as session:
        change = get_change(session, change_id)
        if change is None:
            raise UsageError(f"no change with id {change_id}; list them with `watcher changes`")
        data = change_as_dict(change, with_diff=True)
        why = explain_change(session, change, source(change.source_id))
        data["explain"], data["explain_note"] = why.entries, why.note
        if evidence:
            data["evidence"] = evidence_as_dict(session, change.evidence_id)
    if fmt == "json":
        print_json(data)
        return
    _print_change_text(data)
    if evidence:
        _print_evidence_text(data["evidence"])


def _configured_source(settings: Settings) -> Callable[[str], SourceConfig | None]:
    """The configured source of an id, or None. Without a readable configuration
    `show` still works: a change's stored jurisdictions are then its hint."""
    from watcher.errors import ConfigError

    try:
        sources = {s.id: s for s in settings.config().sources}
    except ConfigError:
        sources = {}
    return sources.get


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
    if d.get("corrected"):
        rows.append(("corrected", "by an analyst (watcher corrections)"))
    for label, value in rows:
        out.append(f"{label:>13}: ", style="dim")
        out.append(terminal_line(value) + "\n")
    if d["summary"]:
        out.append("\n" + terminal_safe(d["summary"]) + "\n")
    if d.get("explain"):
        out.append("\nWhy (the current rules, run again on this change's text):\n", style="dim")
        for e in d["explain"]:
            value = e["value"]
            if e["field"] == "relevant":
                value = "yes" if value else "no"
            elif e["field"] == "dates":
                value = f"{value['date']} ({value['kind']})"
            phrase = f"\"{e['text']}\"" if e["text"] else "-"
            out.append(f"{e['field']:>13}: ", style="dim")
            out.append(terminal_line(f"{value}  {phrase}  "))
            out.append(e["rule"] + "\n", style="dim")
    if d.get("explain_note"):
        out.append("\nNote: " + terminal_line(d["explain_note"]) + "\n", style="yellow")
    if d.get("diff"):
        out.append("\n")
        for line in terminal_safe(d["diff"]).splitlines():
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line.startswith("@@") else None
            out.append(line + "\n", style=style)
    console.print(out, end="", soft_wrap=True)  # long URLs stay whole for copy and paste


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
    from watcher.secrets import mask_secrets
    from watcher.store.queries import iso, source_states

    config = settings.config()
    with settings.store() as store, store.session() as session:
        states = source_states(session)
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
            "id": s.id, "name": s.name, "type": s.type, "jurisdictions": list(s.jurisdictions), "url": s.url,
            "state": health,
            "last_success": iso(st.last_success_at) if st else None,
            "last_error": mask_secrets(st.last_error, config.substituted) if st and st.last_error else None,
            "last_error_at": iso(st.last_error_at) if st else None,
            "consecutive_failures": failures,
            "next_poll": iso(st.next_poll_at) if st else None,
            "items": st.item_count if st else None,
            "warning": st.last_warning if st else None,
        })
    if fmt == "json":
        print_json(rows)
        return
    from rich.console import Console

    def when(value: str | None) -> str:
        return value[5:16].replace("T", " ") if value else "-"  # "11-23 08:00", UTC

    headers = ["id", "where", "type", "state", "last success", "fails", "next poll", "last error"]
    body = [[r["id"], ",".join(r["jurisdictions"]), r["type"], r["state"], when(r["last_success"]),
             str(r["consecutive_failures"]), when(r["next_poll"]), r["last_error"] or ""] for r in rows]
    colours = {"ok": "green", "failing": "red", "never polled": "yellow"}
    print_fitted_table(Console(), headers, body, flex="last error", right={"fails"}, styles={"state": colours},
                        droppable=("next poll", "type", "where"))


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
        print_json(report)
    elif report["healthy"]:
        click.echo(f"healthy: last poll {report['last_poll_at']} ({report['seconds_since_last_poll']}s ago); "
                   f"{len(report['failing_sources'])} of {report['sources']} sources failing")
    else:
        last = report["last_poll_at"] or "never"
        click.echo(f"unhealthy: last poll {last}; expected one within {report['limit_seconds']:g}s "
                   "(twice the shortest interval). Is `watcher run` running?", err=True)
    if not report["healthy"]:
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
        print_json(table)
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
    print_fitted_table(Console(), headers, body, flex="last error", right={"pending", "sent", "failed", "attempts"})
