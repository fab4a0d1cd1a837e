"""Loading and compiling the cue lexicons (``lexicons/*.yaml``).

Each YAML file holds the cues of one language (see the header of ``en.yaml`` for the
schema). All files are merged: a text is matched against the cues of every language at
once, since the scripts rarely collide and an item may mix languages (a Korean headline
quoting "AI Act"). The files are read and every pattern compiled exactly once, on the
first call of `get_lexicon()`; afterwards classification does no I/O and no compilation.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LEXICON_DIR = Path(__file__).with_name("lexicons")

TAGS: tuple[str, ...] = (
    "new-law",
    "new-decree",
    "draft",
    "consultation",
    "guidance",
    "amendment",
    "enforcement-date",
    "delay",
    "enforcement-action",
)

_FLAGS = re.IGNORECASE


class LexiconError(ValueError):
    """A lexicon file is malformed: names the file and the key at fault."""


@dataclass(frozen=True, slots=True)
class JurisdictionCue:
    """What a match of the combined jurisdiction regex means."""

    code: str
    strong: bool  # a regulator, legislature or official (vs. a mere name or adjective)


@dataclass(frozen=True, slots=True)
class CuePair:
    """Date-kind cues, split by how they are matched.

    `near` cues count by their distance to the date; `before` cues (written ending in
    ``$``) must end exactly where the date starts (e.g. "from" in "from 1 May 2026").
    """

    near: re.Pattern[str] | None
    before: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Every cue of every language, compiled."""

    ai: re.Pattern[str]
    governance: re.Pattern[str]
    negative: re.Pattern[str]
    strong: re.Pattern[str]
    jurisdictions: re.Pattern[str]
    jurisdiction_groups: dict[str, JurisdictionCue]
    passing_before: re.Pattern[str]
    passing_after: re.Pattern[str]
    tags: dict[str, re.Pattern[str]]
    delay_vehicle: re.Pattern[str]
    months: dict[str, int]
    date_effective: CuePair
    date_deadline: CuePair
    date_event: CuePair
    date_old: re.Pattern[str]
    date_transition: re.Pattern[str]
    next_year: re.Pattern[str]
    this_year: re.Pattern[str]


_NEVER = r"(?!x)x"  # matches nothing: stands in for an empty cue list


def _union(patterns: list[str], where: str) -> re.Pattern[str]:
    for p in patterns:
        try:
            re.compile(p, _FLAGS)
        except re.error as e:  # name the bad cue so an analyst can find it
            raise LexiconError(f"{where}: bad pattern {p!r}: {e}") from e
    body = "|".join(f"(?:{p})" for p in patterns) or _NEVER
    return re.compile(body, _FLAGS)


def _cue_pair(patterns: list[str], where: str) -> CuePair:
    before = [p for p in patterns if p.endswith("$")]
    near = [p for p in patterns if not p.endswith("$")]
    return CuePair(
        near=_union(near, where) if near else None,
        before=_union(before, where) if before else None,
    )


def _as_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"{where}: expected a list of regex strings")
    return list(value)


def _merge(files: list[Path]) -> dict[str, Any]:
    """Concatenate the lists of all files, key by key."""
    merged: dict[str, Any] = {
        "relevance": {},
        "jurisdictions": {},
        "passing": {},
        "tags": {},
        "delay_vehicle": [],
        "dates": {},
        "months": {},
    }
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise LexiconError(f"{path.name}: invalid YAML: {e}") from e
        if not isinstance(data, dict):
            raise LexiconError(f"{path.name}: expected a mapping at top level")
        for section in ("relevance", "passing", "tags"):
            for key, value in (data.get(section) or {}).items():
                where = f"{path.name}: {section}.{key}"
                if section == "tags" and key not in TAGS:
                    raise LexiconError(f"{where}: unknown tag (VOCABULARY.md names: {', '.join(TAGS)})")
                merged[section].setdefault(key, []).extend(_as_list(value, where))
        merged["delay_vehicle"].extend(_as_list(data.get("delay_vehicle"), f"{path.name}: delay_vehicle"))
        for code, cues in (data.get("jurisdictions") or {}).items():
            where = f"{path.name}: jurisdictions.{code}"
            if not isinstance(cues, dict):
                raise LexiconError(f"{where}: expected {{strong: [...], names: [...]}}")
            slot = merged["jurisdictions"].setdefault(code, {"strong": [], "names": []})
            for kind in ("strong", "names"):
                slot[kind].extend(_as_list(cues.get(kind), f"{where}.{kind}"))
        dates = data.get("dates") or {}
        for key, value in dates.items():
            if key == "months":
                merged["months"].update({str(k).lower(): int(v) for k, v in value.items()})
            else:
                merged["dates"].setdefault(key, []).extend(_as_list(value, f"{path.name}: dates.{key}"))
    return merged


def _compile_jurisdictions(
    table: dict[str, dict[str, list[str]]],
) -> tuple[re.Pattern[str], dict[str, JurisdictionCue]]:
    from watcher.jurisdictions import is_valid

    entries: list[tuple[str, str, bool]] = []
    for code, cues in table.items():
        if not is_valid(code):
            raise LexiconError(f"jurisdictions.{code}: not a code of VOCABULARY.md")
        entries += [(p, code, True) for p in cues["strong"]]
        entries += [(p, code, False) for p in cues["names"]]
    # At one position the first alternative wins: try strong cues first, then longer
    # patterns, so that "Council of Europe" (INTL) beats "Europe" (EU).
    entries.sort(key=lambda e: (not e[2], -len(e[0])))
    groups: dict[str, JurisdictionCue] = {}
    parts: list[str] = []
    for i, (pattern, code, strong) in enumerate(entries):
        try:
            re.compile(pattern, _FLAGS)
        except re.error as e:
            raise LexiconError(f"jurisdictions.{code}: bad pattern {pattern!r}: {e}") from e
        name = f"j{i}"
        groups[name] = JurisdictionCue(code, strong)
        parts.append(f"(?P<{name}>{pattern})")
    return re.compile("|".join(parts) or _NEVER, _FLAGS), groups


def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    """Read and compile every ``*.yaml`` of `directory` (raises LexiconError)."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise LexiconError(f"{directory}: no lexicon files")
    m = _merge(files)
    rel, dates = m["relevance"], m["dates"]
    jur_re, jur_groups = _compile_jurisdictions(m["jurisdictions"])
    return Lexicon(
        ai=_union(rel.get("ai", []), "relevance.ai"),
        governance=_union(rel.get("governance", []), "relevance.governance"),
        negative=_union(rel.get("negative", []), "relevance.negative"),
        strong=_union(rel.get("strong", []), "relevance.strong"),
        jurisdictions=jur_re,
        jurisdiction_groups=jur_groups,
        passing_before=_union(m["passing"].get("before", []), "passing.before"),
        passing_after=_union(m["passing"].get("after", []), "passing.after"),
        tags={t: _union(m["tags"].get(t, []), f"tags.{t}") for t in TAGS},
        delay_vehicle=_union(m["delay_vehicle"], "delay_vehicle"),
        months=m["months"],
        date_effective=_cue_pair(dates.get("effective", []), "dates.effective"),
        date_deadline=_cue_pair(dates.get("deadline", []), "dates.deadline"),
        date_event=_cue_pair(dates.get("event", []), "dates.event"),
        date_old=_union(dates.get("old", []), "dates.old"),
        date_transition=_union(dates.get("transition", []), "dates.transition"),
        next_year=_union(dates.get("next_year", []), "dates.next_year"),
        this_year=_union(dates.get("this_year", []), "dates.this_year"),
    )


_lock = threading.Lock()
_cached: Lexicon | None = None


def get_lexicon() -> Lexicon:
    """The lexicon of the package, loaded on first use and shared (it is immutable)."""
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                _cached = load_lexicon()
    return _cached
