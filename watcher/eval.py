"""Score the classifier on a labelled JSON-lines file.

Usage: ``python -m watcher.eval FILE.jsonl [FILE.jsonl ...] [--json] [--no-errors]``

Each line is ``{"id", "title", "text", "lang", "expect": {"relevant",
"jurisdictions", "tags", "dates"}}``, optionally with ``"jurisdiction"`` (the
source's hint) and ``"published"`` (the item's date), both passed to the classifier.
Prints, per file: relevance accuracy; micro precision/recall/F1 over jurisdictions
and over tags, and per tag; effective-date and deadline recall (a date counts when
both its value and kind match); tags F1 per language; then every misclassified item
with the field, the expected and the obtained value. Exit status 0 whatever the
scores (2 for an unreadable file); `main(argv)` is the entry point of ``watcher eval``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from watcher.classify import classify_item
from watcher.classify.lexicon import TAGS


@dataclass(slots=True)
class PRF:
    """Counts of one micro-averaged set comparison."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, expected: Iterable[Any], got: Iterable[Any]) -> None:
        e, g = set(expected), set(got)
        self.tp += len(e & g)
        self.fp += len(g - e)
        self.fn += len(e - g)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        # Nothing expected and nothing produced is a perfect score, not undefined.
        denom = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denom if denom else 1.0

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass(slots=True)
class Report:
    """Scores of one labelled file."""

    path: str
    items: int = 0
    relevance_correct: int = 0
    jurisdictions: PRF = field(default_factory=PRF)
    tags: PRF = field(default_factory=PRF)
    per_tag: dict[str, PRF] = field(default_factory=lambda: {t: PRF() for t in TAGS})
    per_lang_tags: dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    per_lang_items: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    effective: PRF = field(default_factory=PRF)
    deadline: PRF = field(default_factory=PRF)
    errors: list[tuple[str, str, Any, Any]] = field(default_factory=list)

    @property
    def relevance_accuracy(self) -> float:
        return self.relevance_correct / self.items if self.items else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "items": self.items,
            "relevance_accuracy": self.relevance_accuracy,
            "jurisdictions": self.jurisdictions.as_dict(),
            "tags": self.tags.as_dict(),
            "per_tag": {t: p.as_dict() for t, p in self.per_tag.items()},
            "per_language_tags_f1": {k: v.f1 for k, v in sorted(self.per_lang_tags.items())},
            "effective_date_recall": self.effective.recall,
            "deadline_recall": self.deadline.recall,
            "date_precision": _merged(self.effective, self.deadline).precision,
            "errors": [{"id": i, "field": f, "expected": e, "got": g} for i, f, e, g in self.errors],
        }


def _merged(a: PRF, b: PRF) -> PRF:
    return PRF(a.tp + b.tp, a.fp + b.fp, a.fn + b.fn)


def _dates_of(dates: Iterable[dict[str, str]], kind: str) -> set[str]:
    return {d["date"] for d in dates if d.get("kind") == kind}


def score_items(items: Iterable[dict[str, Any]], path: str = "<items>") -> Report:
    """Classify each labelled item and accumulate the scores."""
    rep = Report(path)
    for item in items:
        exp = item["expect"]
        got = classify_item(
            item.get("title", ""),
            item.get("text", ""),
            jurisdiction=item.get("jurisdiction"),
            published=item.get("published"),
        ).as_dict()
        iid, lang = str(item.get("id", rep.items + 1)), item.get("lang", "?")
        rep.items += 1
        rep.per_lang_items[lang] += 1
        if got["relevant"] == exp["relevant"]:
            rep.relevance_correct += 1
        else:
            rep.errors.append((iid, "relevant", exp["relevant"], got["relevant"]))
        rep.jurisdictions.add(exp["jurisdictions"], got["jurisdictions"])
        if sorted(exp["jurisdictions"]) != got["jurisdictions"]:
            rep.errors.append((iid, "jurisdictions", sorted(exp["jurisdictions"]), got["jurisdictions"]))
        rep.tags.add(exp["tags"], got["tags"])
        rep.per_lang_tags[lang].add(exp["tags"], got["tags"])
        for t in TAGS:
            rep.per_tag[t].add({t} & set(exp["tags"]), {t} & set(got["tags"]))
        if sorted(exp["tags"]) != got["tags"]:
            rep.errors.append((iid, "tags", sorted(exp["tags"]), got["tags"]))
        rep.effective.add(_dates_of(exp["dates"], "effective"), _dates_of(got["dates"], "effective"))
        rep.deadline.add(_dates_of(exp["dates"], "deadline"), _dates_of(got["dates"], "deadline"))
        exp_dates = sorted((d["date"], d["kind"]) for d in exp["dates"])
        got_dates = [(d["date"], d["kind"]) for d in got["dates"]]
        if exp_dates != got_dates:
            rep.errors.append((iid, "dates", _fmt_dates(exp_dates), _fmt_dates(got_dates)))
    return rep


def _fmt_dates(dates: Sequence[tuple[str, str]]) -> list[str]:
    return [f"{d}:{k}" for d, k in dates]


def load_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """The items of a JSON-lines file (blank lines skipped); ValueError names the line."""
    items = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: invalid JSON: {e}") from e
            if not isinstance(item, dict) or not isinstance(item.get("expect"), dict):
                raise ValueError(f"{path}:{n}: expected an object with an 'expect' object")
            items.append(item)
    return items


def score_file(path: str | Path) -> Report:
    """Score the labelled file at `path`."""
    return score_items(load_jsonl(path), str(path))


def print_report(rep: Report, out: TextIO, errors: bool = True) -> None:
    """Human-readable summary of `rep`, then (with `errors`) the misclassified items."""
    w = out.write
    w(f"== {rep.path}: {rep.items} items\n")
    w(f"relevance accuracy        {rep.relevance_accuracy:.3f}  ({rep.relevance_correct}/{rep.items})\n")
    for name, prf in (("jurisdictions (micro)", rep.jurisdictions), ("tags (micro)", rep.tags)):
        w(f"{name:<25} P {prf.precision:.3f}  R {prf.recall:.3f}  F1 {prf.f1:.3f}\n")
    w("per tag:\n")
    for t, prf in rep.per_tag.items():
        support = prf.tp + prf.fn
        w(f"  {t:<20} P {prf.precision:.3f}  R {prf.recall:.3f}  F1 {prf.f1:.3f}  (support {support})\n")
    w(f"effective-date recall     {rep.effective.recall:.3f}  ({rep.effective.tp}/{rep.effective.tp + rep.effective.fn})\n")
    w(f"deadline recall           {rep.deadline.recall:.3f}  ({rep.deadline.tp}/{rep.deadline.tp + rep.deadline.fn})\n")
    dates = _merged(rep.effective, rep.deadline)
    w(f"date precision            {dates.precision:.3f}  ({dates.tp}/{dates.tp + dates.fp})\n")
    w("tags F1 per language:\n")
    for lang in sorted(rep.per_lang_tags):
        w(f"  {lang:<4} {rep.per_lang_tags[lang].f1:.3f}  ({rep.per_lang_items[lang]} items)\n")
    if errors:
        w(f"misclassified ({len(rep.errors)}):\n")
        for iid, fld, exp, got in rep.errors:
            w(f"  {iid:<8} {fld:<14} expected {json.dumps(exp, ensure_ascii=False)}  got {json.dumps(got, ensure_ascii=False)}\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m watcher.eval`` and ``watcher eval``; returns the exit status."""
    ap = argparse.ArgumentParser(prog="watcher eval", description="Score the classifier on labelled JSON lines.")
    ap.add_argument("files", nargs="+", metavar="FILE.jsonl")
    ap.add_argument("--json", action="store_true", help="print the scores as one JSON object per file")
    ap.add_argument("--no-errors", action="store_true", help="omit the list of misclassified items")
    args = ap.parse_args(argv)
    for path in args.files:
        try:
            rep = score_file(path)
        except (OSError, ValueError, KeyError) as e:
            print(f"watcher eval: {path}: {e}", file=sys.stderr)
            return 2
        if args.json:
            d = rep.as_dict()
            if args.no_errors:
                d.pop("errors")
            print(json.dumps(d, ensure_ascii=False))
        else:
            print_report(rep, sys.stdout, errors=not args.no_errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
