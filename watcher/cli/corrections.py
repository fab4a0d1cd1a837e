"""Analysts' corrections: `correct` and `corrections` (SPEC.md "Explanations and corrections").

A correction is stored apart from the classifier's labels and the change's effective
labels are rewritten at once (watcher.store.corrections says why), so every other
command shows the corrected labels without knowing corrections exist.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from watcher.cli.app import main
from watcher.cli.output import print_fitted_table, print_json
from watcher.errors import UsageError, WatcherError

if TYPE_CHECKING:
    from watcher.cli.app import Settings


def _split(values: tuple[str, ...], option: str, check: Any) -> tuple[list[str], list[str]]:
    """(added, removed) from `+X` / `-X` values, each checked (and normalised) by `check`."""
    added: list[str] = []
    removed: list[str] = []
    for raw in values:
        value = raw.strip()
        if len(value) < 2 or value[0] not in "+-":
            raise UsageError(f"{option} {raw}: write +VALUE to add it or -VALUE to remove it "
                             f"(e.g. {option} +{value.lstrip('+-') or 'X'})")
        name = check(value[1:].strip())
        (added if value[0] == "+" else removed).append(name)
    both = set(added) & set(removed)
    if both:
        raise UsageError(f"{option}: {', '.join(sorted(both))} both added and removed; give one of them")
    return list(dict.fromkeys(added)), list(dict.fromkeys(removed))


def _check_tag(tag: str) -> str:
    from watcher.vocabulary import TAGS

    if tag not in TAGS:
        raise UsageError(f"--tag {tag}: unknown tag; tags are: {', '.join(TAGS)}")
    return tag


def _check_code(code: str) -> str:
    from watcher import jurisdictions as jur

    norm = jur.normalise(code)
    if not jur.is_valid(norm):
        raise UsageError(f"--jurisdiction {code}: unknown code; use ISO 3166-1 (KR), ISO 3166-2 (US-CO, CN-GD), "
                         "EU, ASEAN or INTL")
    return norm


def _default_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return "unknown"


@main.command()
@click.argument("change_id", type=int)
@click.option("--tag", "tags", multiple=True, metavar="+T|-T",
              help="Add (+T) or remove (-T) a tag (repeatable). Write --tag=-T or --tag -T.")
@click.option("--jurisdiction", "jurisdictions", multiple=True, metavar="+J|-J",
              help="Add (+J) or remove (-J) a jurisdiction code (repeatable).")
@click.option("--relevant/--not-relevant", "relevant", default=None,
              help="Override relevance: a change corrected to not relevant is hidden and sent to no channel.")
@click.option("--note", metavar="TEXT", help="Why (kept with the correction).")
@click.option("--by", "by", metavar="NAME", help="Who corrects [default: the OS user].")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def correct(settings: Settings, change_id: int, tags: tuple[str, ...], jurisdictions: tuple[str, ...],
            relevant: bool | None, note: str | None, by: str | None, fmt: str) -> None:
    """Correct the labels of change CHANGE_ID; the correction wins over the classifier
    everywhere (changes, show, digests, channels, calendar, feed, report) and survives
    `watcher reclassify`. Pending deliveries are re-checked against the channels'
    filters: a change corrected to not relevant is not sent.

    \b
    Examples:
      watcher correct 42 --tag +delay --tag -guidance --jurisdiction +CN --jurisdiction -TW
      watcher correct 43 --not-relevant --note "corporate AI policy, not regulation"
      watcher correct 44 --note "checked: labels right" --by alice --format json
    """
    from datetime import UTC, datetime

    from watcher.store.corrections import add_correction
    from watcher.store.queries import change_as_dict, get_change

    tags_add, tags_remove = _split(tags, "--tag", _check_tag)
    jur_add, jur_remove = _split(jurisdictions, "--jurisdiction", _check_code)
    if not (tags or jurisdictions or relevant is not None or note):
        raise UsageError("nothing to correct: give --tag, --jurisdiction, --relevant/--not-relevant or --note")
    who = (by or "").strip() or _default_user()
    channels, config_error = _channels(settings)
    now = datetime.now(UTC)
    with settings.store() as store, store.session() as session:
        change = get_change(session, change_id)
        if change is None:
            raise UsageError(f"no change with id {change_id}; list them with `watcher changes --all`")
        row = add_correction(session, change, at=now, by=who[:200], note=note, relevant=relevant,
                             tags_add=tags_add, tags_remove=tags_remove,
                             jurisdictions_add=jur_add, jurisdictions_remove=jur_remove)
        queued = dropped = 0
        if channels:
            from watcher.notify.outbox import requeue

            queued, dropped = requeue(session, channels, change, now)
        data = change_as_dict(change)
        data["correction"] = _correction_dict(row)
    if config_error:
        click.echo(f"watcher: note: pending deliveries not re-checked, the configuration did not load: "
                   f"{config_error}", err=True)
    if fmt == "json":
        print_json({**data, "deliveries": {"queued": queued, "dropped": dropped}})
        return
    click.echo(f"corrected change {data['id']}: relevant {'yes' if data['relevant'] else 'no'}; "
               f"jurisdictions {', '.join(data['jurisdictions']) or '-'}; tags {', '.join(data['tags']) or '-'}")
    if queued or dropped:
        click.echo(f"deliveries: {queued} queued, {dropped} pending dropped")


def _channels(settings: Settings) -> tuple[list[Any], str | None]:
    """The configured channels, or ([], why) when the configuration does not load
    (a correction is still recorded: it is the store's, not the configuration's)."""
    try:
        return list(settings.config().channels), None
    except WatcherError as exc:
        return [], str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _correction_dict(c: Any) -> dict[str, Any]:
    from watcher.store.changes import iso

    return {"id": c.id, "change_id": c.change_id, "at": iso(c.at), "by": c.by, "note": c.note,
            "relevant": c.relevant, "tags_add": list(c.tags_add), "tags_remove": list(c.tags_remove),
            "jurisdictions_add": list(c.jurisdictions_add), "jurisdictions_remove": list(c.jurisdictions_remove)}


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True,
              help="jsonl: one labelled line per corrected change, the format `watcher eval` reads.")
@click.pass_obj
def corrections(settings: Settings, fmt: str) -> None:
    """Analysts' corrections, oldest first; `--format jsonl` exports each corrected change
    as a labelled item (its own text, the corrected labels as `expect`), so a team's
    corrections become its evaluation set.

    \b
    Examples:
      watcher corrections
      watcher corrections --format jsonl > corrections.jsonl && watcher eval corrections.jsonl
    """
    from sqlalchemy import select
    from sqlalchemy.orm import undefer

    from watcher.store.changes import iso
    from watcher.store.corrections import all_corrections, own_texts
    from watcher.store.models import Change

    with settings.store() as store, store.session() as session:
        pairs = all_corrections(session)
        if fmt == "table":
            body = [[str(c.id), str(ch.id), (iso(c.at) or "")[:16].replace("T", " "), c.by, _ops(c), c.note or "",
                     ch.title] for c, ch in pairs]
            if not body:
                click.echo("No corrections yet; record one with `watcher correct ID`.")
                return
            from rich.console import Console

            print_fitted_table(Console(), ["id", "change", "at", "by", "correction", "note", "title"], body,
                               flex="title", droppable=("at", "note"))
            return
        ids = list(dict.fromkeys(ch.id for _, ch in pairs))
        changes = {c.id: c for c in session.scalars(select(Change).options(undefer(Change.text))
                                                    .where(Change.id.in_(ids)))} if ids else {}
        texts = own_texts(session, list(changes.values()))
        import json

        from watcher.cli.output import json_text

        for cid in ids:
            ch = changes[cid]
            item: dict[str, Any] = {"id": f"change-{cid}", "title": ch.title, "text": texts[cid]}
            if ch.published is not None:
                item["published"] = (iso(ch.published) or "")[:10]  # what relative dates were read against
            # A negative carries no labels, as in corpus/dev.jsonl (VOCABULARY.md labels relevant items only).
            item["expect"] = ({"relevant": True, "jurisdictions": list(ch.jurisdictions or []),
                               "tags": list(ch.tags or []), "dates": list(ch.dates or [])} if ch.relevant else
                              {"relevant": False, "jurisdictions": [], "tags": [], "dates": []})
            sys.stdout.write(json_text(json.dumps(item, ensure_ascii=False)) + "\n")


def _ops(c: Any) -> str:
    parts = [f"+{t}" for t in c.tags_add] + [f"-{t}" for t in c.tags_remove]
    parts += [f"+{j}" for j in c.jurisdictions_add] + [f"-{j}" for j in c.jurisdictions_remove]
    if c.relevant is not None:
        parts.append("relevant" if c.relevant else "not relevant")
    return " ".join(parts) or "(note)"
