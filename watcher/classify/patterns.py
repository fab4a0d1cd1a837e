"""Compiled regexes kept across processes, in the cache directory (`watcher.cache`).

The lexicons compile to 44 distinct patterns, some with thousands of alternatives, and
CPython's pattern compiler is Python: ~0.37 s of every process that classifies (a
`watcher poll` with news, each worker of a cold cycle, `watcher eval`). What it
computes is kept instead: the engine's code for each pattern, with its flags and
groups, handed back to the engine's constructor on the next load (~20 ms for all).
Beside them it keeps what the loader derives from the cues on the way (each union's
source, each family's literal prefixes: `remember`), so a load from the cache reads
the YAML and the JSON and builds the automaton, and little else (~0.07 s in all).

Both ends are CPython internals (`re._parser.parse`, `re._compiler._code`,
`_sre.compile`, the three steps of `re._compiler.compile`), so a cache file serves
only the interpreter that wrote it: its name carries the interpreter's exact version
and the engine's MAGIC. The engine validates code it is given (a damaged entry
raises, it cannot crash), and anything unexpected (internals that moved, a damaged
or foreign entry) falls back to `re.compile`: the cache can make a load faster,
never different. tests/test_patterns.py holds every lexicon pattern from the cache
equal to `re.compile`'s.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from watcher.cache import cache_path, read_json, write_json

try:
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]
except ImportError:  # another interpreter, or a CPython that reorganised `re`
    _sre = None

# One cached pattern: [flags as compiled, engine code, groups - 1, {name: group}, [name or None by group]]
_Entry = list[Any]
_T = TypeVar("_T")


class PatternCache:
    """`compile` as `re.compile`, from the cache file when it holds the pattern, and
    `remember` a derived value; `save` then writes back what was used, if anything
    was missing. `PatternCache(None)` caches nothing."""

    def __init__(self, path: Path | None) -> None:
        self.path = path if _sre is not None else None
        data = read_json(path) if self.path is not None else None
        kept = data if isinstance(data, dict) else {}
        self._entries: dict[str, _Entry] = kept.get("regex") if isinstance(kept.get("regex"), dict) else {}
        self._derived: dict[str, Any] = kept.get("derived") if isinstance(kept.get("derived"), dict) else {}
        self._used: dict[str, _Entry] = {}
        self._derived_used: dict[str, Any] = {}
        self._missed = False

    @classmethod
    def for_inputs(cls, *made_from: str) -> PatternCache:
        """The cache of patterns made from `made_from` (e.g. the lexicon files' texts), for
        this interpreter; a no-op cache when caching is off."""
        if _sre is None:
            return cls(None)
        return cls(cache_path("regex", sys.version, str(_sre.MAGIC), *made_from))

    def compile(self, pattern: str, flags: int = 0) -> re.Pattern[str]:
        """`re.compile(pattern, flags)` (raises re.error as it does)."""
        flags = int(flags)
        if self.path is None:
            return re.compile(pattern, flags)
        key = f"{flags}:{pattern}"
        entry = self._used.get(key) or self._entries.get(key)
        if entry is not None:
            try:
                compiled = _sre.compile(pattern, entry[0], entry[1], entry[2], entry[3], tuple(entry[4]))
            except Exception:  # noqa: BLE001, S110 - damaged or foreign: compiled afresh below
                pass
            else:
                self._used[key] = entry
                return compiled
        self._missed = True
        try:
            compiled, entry = _compile(pattern, flags)
        except re.error:
            raise
        except Exception:  # noqa: BLE001 - the internals are not what this module knows: stop caching
            self.path = None
            return re.compile(pattern, flags)
        self._used[key] = entry
        return compiled

    def remember(self, kind: str, inputs: Sequence[str], make: Callable[[Sequence[str]], _T],
                 valid: Callable[[Any], bool]) -> _T:
        """`make(inputs)`, or the value it gave before, kept under (`kind`, `inputs`). For
        pure functions whose values JSON gives back exactly; a kept value that `valid`
        refuses is made again."""
        if self.path is None:
            return make(inputs)
        key = "\0".join((kind, *inputs))
        if key in self._derived and valid(value := self._derived[key]):
            self._derived_used[key] = value
            return value  # type: ignore[no-any-return]
        self._missed = True
        made = self._derived_used[key] = make(inputs)
        return made

    def save(self) -> None:
        """Keep what was compiled and remembered through this cache, when anything was missing."""
        if self._missed and self.path is not None:
            write_json(self.path, {"regex": self._used, "derived": self._derived_used})
            self._missed = False


def _compile(pattern: str, flags: int) -> tuple[re.Pattern[str], _Entry]:
    """`re._compiler.compile`, step by step, keeping what the engine is given."""
    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    entry = [flags | parsed.state.flags, [int(c) for c in code], parsed.state.groups - 1, groupindex, indexgroup]
    return _sre.compile(pattern, entry[0], code, entry[2], groupindex, tuple(indexgroup)), entry
